import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAllCleanups } from '../process/cleanup.js';

/** The one directory everything of a bench run lives in, and the children it started; removed on every path. */
export interface BenchWorkspace {
  dir: string;
  /** A new directory under `dir`, 0711 so the server user can reach what lies below it. */
  subdir(name: string): Promise<string>;
  /** Track a child process so an interrupt ends it (by its pid) before the directory goes. */
  track(child: ChildProcess): void;
  /** Stop tracked children, run registered cleanups (servers, S3), remove the directory. */
  close(): Promise<void>;
}

export async function createBenchWorkspace(): Promise<BenchWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-bench-'));
  await chmod(dir, 0o711);
  const children = new Set<ChildProcess>();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.all([...children].map(endChild));
      const failures = await runAllCleanups();
      for (const failure of failures) process.stderr.write(`cleanup: ${failure}\n`);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping servers and removing ${dir}\n`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    dir,
    async subdir(name) {
      const path = join(dir, name);
      await mkdir(path);
      await chmod(path, 0o711);
      return path;
    },
    track(child) {
      children.add(child);
      child.once('exit', () => children.delete(child));
    },
    close,
  };
}

// pgdrill ends its drill on SIGINT (servers stopped, files removed); give it the time to do so.
async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGINT');
  const timer = setTimeout(
    () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
    60_000,
  );
  await exited;
  clearTimeout(timer);
}
