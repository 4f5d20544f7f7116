import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

// After the whole test run, no container of pgdrill's docker engine and no new Docker volume may remain.
// Without a Docker engine there is nothing to check.
function docker(args: string[]): string[] | undefined {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 })
      .split('\n')
      .filter(Boolean);
  } catch {
    return undefined;
  }
}

// testcontainers' per-user lock file: the CLI removes it at exit, but test workers may be ended without exiting.
const lockFile = join(tmpdir(), `testcontainers-node-${userInfo().uid}.lock`);

export default function setup(): () => void {
  const volumesBefore = docker(['volume', 'ls', '-q']);
  const lockBefore = existsSync(lockFile);
  return () => {
    if (!lockBefore) rmSync(lockFile, { force: true });
    if (volumesBefore === undefined) return;
    const containers =
      docker(['ps', '-a', '--filter', 'label=org.pgdrill.engine', '--format', '{{.ID}} {{.Image}} {{.Status}}']) ?? [];
    const volumes = (docker(['volume', 'ls', '-q']) ?? []).filter((v) => !volumesBefore.includes(v));
    if (containers.length > 0 || volumes.length > 0) {
      throw new Error(
        `pgdrill left Docker resources behind after the test run: containers [${containers.join('; ')}], volumes [${volumes.join(', ')}]`,
      );
    }
  };
}
