import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { dockerEngineAvailability } from '../support/docker-support.js';

// The image Kubernetes pods and CI containers run drills in (scripts/build-images.sh --runner): pgdrill itself,
// PostgreSQL and the backup tools from Debian packages. Run here without any network.
const version = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'))
  .version as string;
const image = `pgdrill-runner:${version}`;
const docker = await dockerEngineAvailability();
const present = docker.usable && (await run(['image', 'inspect', image])).code === 0;
const why = !docker.usable ? docker.reason : `${image} is not built (scripts/build-images.sh --runner)`;

test.skipIf(!present)(
  `the runner image drills the demo with no network, as root and as uid 999${present ? '' : ` (skipped: ${why})`}`,
  async () => {
    expect((await run(['run', '--rm', '--network', 'none', image, '--version'])).stdout.trim()).toBe(version);
    const demo = await run(['run', '--rm', '--network', 'none', image, 'demo', '--junit', '/tmp/demo.xml']);
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/3 drills: 3 passed · 11 checks: 11 passed/);
    expect(demo.stderr).toContain('on the local engine');
    // As Kubernetes runs it (runAsUser 999, HOME on a writable volume): pgdrill and its servers as postgres.
    const asPod = await run([
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      '999:999',
      '-e',
      'HOME=/tmp',
      image,
      'demo',
      '--junit',
      '/tmp/demo.xml',
    ]);
    expect(asPod.code, asPod.stdout + asPod.stderr).toBe(0);
    expect(asPod.stdout).toMatch(/3 drills: 3 passed/);
  },
);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('docker', args, { maxBuffer: 16 * 1024 * 1024 }, (_e, stdout, stderr) =>
      resolve({ code: child.exitCode ?? -1, stdout, stderr }),
    );
  });
}
