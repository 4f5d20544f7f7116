import { execFileSync } from 'node:child_process';

// After the whole test run, no container of pgdrill's docker engine and no new Docker volume may remain.
// Without a Docker engine there is nothing to check.
function docker(args: string[]): string[] | undefined {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
}

export default function setup(): () => void {
  const volumesBefore = docker(['volume', 'ls', '-q']);
  return () => {
    if (volumesBefore === undefined) return;
    const containers = docker(['ps', '-a', '--filter', 'label=org.pgdrill.engine', '--format', '{{.ID}} {{.Image}} {{.Status}}']) ?? [];
    const volumes = (docker(['volume', 'ls', '-q']) ?? []).filter((v) => !volumesBefore.includes(v));
    if (containers.length > 0 || volumes.length > 0) {
      throw new Error(`pgdrill left Docker resources behind after the test run: containers [${containers.join('; ')}], volumes [${volumes.join(', ')}]`);
    }
  };
}
