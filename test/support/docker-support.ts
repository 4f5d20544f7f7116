import { execFile } from 'node:child_process';
import { createDockerEngine } from '../../src/engines/docker/docker-engine.js';

/**
 * Whether the docker engine can run here without pulling anything (vitest.config sets PGDRILL_DOCKER_PULL=never
 * and points PGDRILL_POSTGRES_IMAGE at the image scripts/build-images.sh builds), and why not when it cannot.
 */
export async function dockerEngineAvailability(): Promise<{ usable: boolean; reason: string }> {
  const probe = await createDockerEngine({ pull: 'never' }).probe();
  return { usable: probe.usable, reason: probe.reason };
}

/** The image the docker engine runs for `major` in tests (vitest.config: PGDRILL_POSTGRES_IMAGE). */
export function testImage(major: number): string {
  return (process.env.PGDRILL_POSTGRES_IMAGE ?? 'postgres:{major}').replaceAll('{major}', String(major));
}

/**
 * Containers of pgdrill's docker engine (by its label) serving drills under `dir`, as `id image status` lines.
 * Test files run in parallel: each looks only at the containers of its own directories.
 */
export async function pgdrillContainers(dir: string): Promise<string[]> {
  const out = await docker([
    'ps',
    '-a',
    '--filter',
    'label=org.pgdrill.engine',
    '--format',
    '{{.ID}} {{.Image}} {{.Status}}\t{{.Label "org.pgdrill.workdir"}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .filter((line) => (line.split('\t')[1] ?? '').startsWith(dir))
    .map((line) => line.split('\t')[0]!);
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(stdout),
    ),
  );
}
