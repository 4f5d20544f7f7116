import { readFileSync } from 'node:fs';

/** Who owns a drill's resources: a pgdrill process, named by pid and start time (a pid alone is reused). */
export interface OwnerIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot when the process started. */
  startTime: string;
}

/** The start time of `pid`, or undefined when no such process exists (or it is a zombie). */
export function readStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

let self: OwnerIdentity | undefined;

/** This pgdrill process. */
export function currentOwner(): OwnerIdentity {
  return (self ??= { pid: process.pid, startTime: readStartTime(process.pid) ?? '0' });
}

/** True while the owning process still runs (same pid and same start time). */
export function isOwnerAlive(owner: OwnerIdentity): boolean {
  return readStartTime(owner.pid) === owner.startTime;
}

/** `pid:starttime`, the value of the owner label on containers. */
export function formatOwner(owner: OwnerIdentity): string {
  return `${owner.pid}:${owner.startTime}`;
}

export function parseOwner(text: string): OwnerIdentity | undefined {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  return match ? { pid: Number(match[1]), startTime: match[2]! } : undefined;
}

/**
 * A /bin/sh snippet (no `%`, since PostgreSQL expands those in restore_command) that exits 128 with a
 * message on stderr unless the owner still runs: PostgreSQL stops recovery on an exit status above 125
 * instead of taking it as the end of the archive and promoting.
 */
export function ownerGuardShell(owner: OwnerIdentity = currentOwner()): string {
  const stat = `/proc/${owner.pid}/stat`;
  // Where /proc hides other users' processes (hidepid), /proc/1 is hidden too: the supervisor alone guards there.
  return (
    `[ ! -r /proc/1/stat ] || [ "$(sed 's/.*) //' ${stat} 2>/dev/null | cut -d' ' -f20)" = ${owner.startTime} ] || ` +
    `{ echo "pgdrill: the pgdrill process (pid ${owner.pid}) that owns this server is gone: not fetching WAL" >&2; exit 128; }`
  );
}
