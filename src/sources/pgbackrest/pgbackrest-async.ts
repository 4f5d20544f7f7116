import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RestoreTarget } from '../../engines/engine.js';
import { findPgbackrestLockingIn, signal } from '../../lifecycle/drill-processes.js';
import { DEFAULT_WAL_SEGMENT_SIZE } from '../../recovery/fetch-wal-config.js';

const ARCHIVE_GET_TIMEOUT_SECONDS = 600;

/**
 * pgBackRest's own WAL prefetch: with archive-async, archive-get answers from a spool queue that a detached
 * pgBackRest process fills ahead of recovery, fetching in parallel (process-max). pgdrill gives it a private
 * spool owned by the server's user, a queue of `prefetch` segments and at most 4 processes.
 */
export async function prepareArchiveGetQueue(target: RestoreTarget, prefetch: number): Promise<string[]> {
  const spool = join(target.scratchDir, 'pgbackrest-spool');
  await mkdir(spool, { recursive: true, mode: 0o700 });
  if (target.runAs) await chown(spool, target.runAs.uid, target.runAs.gid);
  return [
    '--archive-async',
    `--spool-path=${spool}`,
    `--archive-get-queue-max=${prefetch * DEFAULT_WAL_SEGMENT_SIZE}`,
    `--process-max=${Math.min(prefetch, 4)}`,
    // How long archive-get waits for the worker to answer (60 s by default): on a busy machine a worker
    // starting behind another one's lock took longer than that to say "not archived" (error 82). A stalled
    // read is still bounded by the worker's own io-timeout, which it reports as an error.
    `--archive-timeout=${ARCHIVE_GET_TIMEOUT_SECONDS}`,
  ];
}

/**
 * Stop the detached process that fills archive-get's queue (it stops by itself once the queue is full, but
 * must not outlive the drill while it fetches): every pgBackRest process locking in pgdrill's private lock
 * directory gets SIGTERM, then SIGKILL if it is still there after 5 s.
 */
export async function stopAsyncArchiveGet(lockDir: string): Promise<void> {
  const pids = findPgbackrestLockingIn(lockDir);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (findPgbackrestLockingIn(lockDir).length > 0 && Date.now() < deadline) await sleep(50);
  for (const pid of findPgbackrestLockingIn(lockDir)) signal(pid, 'SIGKILL');
}
