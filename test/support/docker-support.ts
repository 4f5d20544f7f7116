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

/** Containers and volumes pgdrill's docker engine left (by its label), as `id image status` lines. */
export async function pgdrillContainers(): Promise<string[]> {
  const out = await docker(['ps', '-a', '--filter', 'label=org.pgdrill.engine', '--format', '{{.ID}} {{.Image}} {{.Status}}']);
  return out.split('\n').filter(Boolean);
}

export async function dockerVolumes(): Promise<string[]> {
  return (await docker(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('docker', args, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout))));
}
