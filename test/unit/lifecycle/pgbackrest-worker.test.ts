import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPgbackrestLockingIn } from '../../../src/lifecycle/drill-processes.js';
import { SUPERVISOR_SCRIPT } from '../../../src/lifecycle/supervisor-script.js';
import { stopAsyncArchiveGet } from '../../../src/sources/pgbackrest/pgbackrest-async.js';

// pgBackRest's detached archive-get worker works in / and is known only by the --lock-path pgdrill gave it.
// A stand-in with the same command line (argv[0] "pgbackrest", a --lock-path argument) shows who finds it.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function standIn(lockDir: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', `--lock-path=${lockDir}`], {
    argv0: 'pgbackrest',
    cwd: '/',
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve() : child.once('exit', () => resolve()),
  );

async function untilFound(dir: string, pid: number): Promise<void> {
  // Each look reads /proc: a process appears there once spawned.
  while (!findPgbackrestLockingIn(dir).includes(pid)) await new Promise((r) => setTimeout(r, 20));
}

describe('the detached pgBackRest worker of a drill', () => {
  it('the supervisor script is valid /bin/sh', () => {
    expect(() => execFileSync('sh', ['-n'], { input: SUPERVISOR_SCRIPT })).not.toThrow();
  });

  it('is found by its lock path and stopped, and a worker of another lock path is left alone', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'pgdrill-worker-')));
    const other = await realpath(await mkdtemp(join(tmpdir(), 'pgdrill-worker-other-')));
    try {
      const mine = standIn(dir);
      const theirs = standIn(other);
      await untilFound(dir, mine.pid!);
      await untilFound(other, theirs.pid!);
      expect(findPgbackrestLockingIn(dir)).toEqual([mine.pid]);
      await stopAsyncArchiveGet(dir);
      await exited(mine);
      expect(findPgbackrestLockingIn(dir)).toEqual([]);
      expect(findPgbackrestLockingIn(other)).toEqual([theirs.pid]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(other, { recursive: true, force: true });
    }
  });

  it('the supervisor of a killed pgdrill stops it and removes the directory', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'pgdrill-worker-')));
    const worker = standIn(dir);
    await untilFound(dir, worker.pid!);
    const supervisor = spawn('sh', ['-c', SUPERVISOR_SCRIPT], {
      env: { PATH: process.env.PATH, PGDRILL_DIRS: dir },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    supervisor.stdin!.end(); // end of file: pgdrill is gone
    await exited(supervisor);
    await exited(worker);
    expect(worker.signalCode).toBe('SIGKILL');
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
