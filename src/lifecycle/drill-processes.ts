import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** A process working in a directory of a drill (postgres works in its data dir, and so does restore_command). */
export interface DrillProcess {
  pid: number;
  cwd: string;
  /** The pid named in `<cwd>/postmaster.pid`, and a postgres started on that data dir. */
  postmaster: boolean;
  command: string;
}

/** Every process (but this one) whose working directory is `dir` or below it, or a pgBackRest process locking there. */
export function findProcessesIn(dir: string): DrillProcess[] {
  const found: DrillProcess[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = safe(() => readlinkSync(`/proc/${entry}/cwd`));
    if (!cwd) continue;
    const argv = (safe(() => readFileSync(`/proc/${entry}/cmdline`, 'utf8')) ?? '').split('\0').filter(Boolean);
    if (cwd !== dir && !cwd.startsWith(`${dir}/`) && !isPgbackrestLockingIn(argv, dir)) continue;
    const listed = safe(() => readFileSync(join(cwd, 'postmaster.pid'), 'utf8').split('\n')[0]?.trim());
    const postmaster = listed === entry && /(^|\/)postgres$/.test(argv[0] ?? '') && argv.includes(cwd);
    found.push({ pid: Number(entry), cwd, postmaster, command: argv.join(' ').slice(0, 120) });
  }
  return found;
}

/**
 * Stop what works in `dir`: SIGQUIT to its postmasters (PostgreSQL's immediate shutdown), then SIGKILL
 * to whatever is left once they are gone or the grace period ends. Returns what was signalled.
 */
export async function stopProcessesIn(dir: string, graceMs = 5_000): Promise<DrillProcess[]> {
  const first = findProcessesIn(dir);
  for (const p of first.filter((p) => p.postmaster)) signal(p.pid, 'SIGQUIT');
  const deadline = Date.now() + graceMs;
  while (findProcessesIn(dir).some((p) => p.postmaster) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  for (const p of findProcessesIn(dir)) signal(p.pid, 'SIGKILL');
  return first;
}

/** pgBackRest processes given `--lock-path` in `dir` (the detached archive-get worker works in /). */
export function findPgbackrestLockingIn(dir: string): number[] {
  return safeReaddir('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) =>
      isPgbackrestLockingIn(
        (safe(() => readFileSync(`/proc/${entry}/cmdline`, 'utf8')) ?? '').split('\0').filter(Boolean),
        dir,
      ),
    )
    .map(Number);
}

// pgBackRest's detached archive-get worker (archive-async) works in /: it is known by its lock path.
function isPgbackrestLockingIn(argv: string[], dir: string): boolean {
  return (
    /(^|\/)pgbackrest$/.test(argv[0] ?? '') &&
    argv.some((a) => a === `--lock-path=${dir}` || a.startsWith(`--lock-path=${dir}/`))
  );
}

/** Signal a process that may be gone already. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    /* gone already */
  }
}

function safeReaddir(dir: string): string[] {
  return safe(() => readdirSync(dir)) ?? [];
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
