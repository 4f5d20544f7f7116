import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../process/run-command.js';
import { runAs, type OsUser } from './os-user.js';

export interface StopPostmasterInput {
  binDir: string;
  dataDir: string;
  user: OsUser | undefined;
}

/**
 * Stop the server on `dataDir` whatever state it is in: a fast shutdown, then an immediate one, then
 * SIGKILL of the postmaster named in postmaster.pid when it still runs. Returns what it had to do.
 */
export async function stopPostmaster(
  input: StopPostmasterInput,
): Promise<'not-running' | 'fast' | 'immediate' | 'killed'> {
  const pid = await readPostmasterPid(input.dataDir);
  if (pid === undefined || !(await isPostmasterOf(pid, input.dataDir))) return killUnlisted(input.dataDir);
  for (const mode of ['fast', 'immediate'] as const) {
    const stopped = await runCommand(
      join(input.binDir, 'pg_ctl'),
      ['stop', '-D', input.dataDir, '-m', mode, '-w', '-t', '30'],
      {
        ...runAs(input.user),
        cwd: '/',
        timeoutMs: 40_000,
      },
    ).then(
      () => true,
      () => false,
    );
    if (stopped && !(await isPostmasterOf(pid, input.dataDir))) return mode;
  }
  if (await isPostmasterOf(pid, input.dataDir)) {
    await killAndWait(pid);
  }
  return 'killed';
}

// A start aborted right after pg_ctl forked can leave a postmaster that has not written postmaster.pid yet.
async function killUnlisted(dataDir: string): Promise<'not-running' | 'killed'> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  let killed = false;
  for (const pid of entries.filter((e) => /^\d+$/.test(e)).map(Number)) {
    if (pid === process.pid || !(await isPostmasterOf(pid, dataDir))) continue;
    await killAndWait(pid);
    killed = true;
  }
  return killed ? 'killed' : 'not-running';
}

/** The postmaster PID from the first line of postmaster.pid, if the file exists. */
export async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  return (await readPostmasterStatus(dataDir))?.pid;
}

/**
 * postmaster.pid's PID and, once written, its status line: "starting", "stopping", "standby" (accepting
 * read-only connections during recovery) or "ready" (out of recovery). This is what `pg_ctl -w` watches.
 */
export async function readPostmasterStatus(dataDir: string): Promise<{ pid: number; status: string } | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const lines = text?.split('\n') ?? [];
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? { pid, status: lines[7]?.trim() ?? '' } : undefined;
}

/** True while `pid` exists and is not a zombie (a killed postmaster is re-parented; its reaper may be slow). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

// postmaster.pid can outlive its process and the PID be reused: only a postgres started on this data dir counts.
async function isPostmasterOf(pid: number, dataDir: string): Promise<boolean> {
  if (!isRunning(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return process.platform !== 'linux'; // no /proc: trust the pid file
  return cmdline.split('\0').includes(dataDir);
}

async function killAndWait(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
