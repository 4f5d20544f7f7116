import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { SUPERVISOR_SCRIPT } from './supervisor-script.js';

export interface SupervisorOptions {
  /** Directories removed (and whose processes are stopped) if pgdrill dies. */
  dirs: string[];
  /** Docker label filters (`label=value`) whose containers are removed if pgdrill dies. */
  containers?: string[];
}

/** A live supervisor: `release()` lets it exit quietly (the normal path cleaned up, or the user keeps the files). */
export interface Supervisor {
  release(): void;
}

/**
 * Start the supervisor of `dirs` in its own session (so a signal to pgdrill's process group does not reach
 * it). It holds nothing of pgdrill's but the pipe, and does nothing until the pipe ends.
 */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const dirs = options.dirs.map((dir) => realpathOr(dir));
  const child = spawn('/bin/sh', ['-c', SUPERVISOR_SCRIPT, 'pgdrill-supervisor'], {
    detached: true,
    cwd: '/',
    stdio: ['pipe', 'ignore', 'ignore'],
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      PGDRILL_DIRS: dirs.join('\n'),
      PGDRILL_CONTAINERS: (options.containers ?? []).join(' '),
    },
  });
  child.on('error', () => undefined); // no /bin/sh: the sweep at the next start remains
  child.stdin.on('error', () => undefined);
  // Neither the process nor its pipe may keep pgdrill's event loop alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      child.stdin.end('release\n');
    },
  };
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
