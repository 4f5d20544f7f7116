import { ownerGuardShell } from '../lifecycle/owner-identity.js';

/** What the fetcher and the restore_command leave in the spool next to a WAL file's name. */
export const SPOOL_SUFFIX = { want: '.want', missing: '.missing', failed: '.failed', note: '.note' } as const;

export const RESTORE_SCRIPT_NAME = 'restore-command.sh';

/**
 * The restore_command of a prefetched drill, a /bin/sh script (no node, no SDK): ask for $2 by dropping
 * `$2.want` in the spool, wait until the fetcher answers with the file (moved to $3, exit 0), `.missing`
 * (exit 1: the end of the archive) or `.failed` (its reason on stderr, exit 128: PostgreSQL stops instead
 * of promoting). It gives up with 128 when the spool is gone (pgdrill stopped the fetcher) or the pgdrill
 * that owns the drill is gone (checked about every second while it waits).
 */
export function renderRestoreScript(): string {
  return `#!/bin/sh
# restore_command of a pgdrill drill: take "$2" from the spool pgdrill's WAL fetcher fills, or ask for it.
set -u
spool=$1 f=$2 p=$3
case "$f" in
  *[!0-9A-Za-z.]*|.*|'') echo "pgdrill fetch-wal: refusing WAL file name '$f'" >&2; exit 128;;
esac
rm -f "$spool/$f${SPOOL_SUFFIX.missing}" "$spool/$f${SPOOL_SUFFIX.failed}"
: > "$spool/$f${SPOOL_SUFFIX.want}" || { echo "pgdrill fetch-wal: the WAL spool $spool is gone: pgdrill stopped fetching" >&2; exit 128; }
n=0
while :; do
  if [ -f "$spool/$f" ]; then
    if [ -f "$spool/$f${SPOOL_SUFFIX.note}" ]; then cat "$spool/$f${SPOOL_SUFFIX.note}" >&2; rm -f "$spool/$f${SPOOL_SUFFIX.note}"; fi
    # The request stays until the file is in place: while it is there, the fetcher keeps (or fetches again) $f.
    if mv -f "$spool/$f" "$p" 2>/dev/null; then rm -f "$spool/$f${SPOOL_SUFFIX.want}"; exit 0; fi
    # Gone between the test and the move: the fetcher fetches it again for the request. Still there: stop.
    if [ -f "$spool/$f" ]; then echo "pgdrill fetch-wal: could not move $f from the spool to $p" >&2; exit 128; fi
  fi
  if [ -f "$spool/$f${SPOOL_SUFFIX.missing}" ]; then rm -f "$spool/$f${SPOOL_SUFFIX.want}" "$spool/$f${SPOOL_SUFFIX.missing}"; exit 1; fi
  if [ -f "$spool/$f${SPOOL_SUFFIX.failed}" ]; then
    rm -f "$spool/$f${SPOOL_SUFFIX.want}"; cat "$spool/$f${SPOOL_SUFFIX.failed}" >&2; rm -f "$spool/$f${SPOOL_SUFFIX.failed}"; exit 128
  fi
  [ -d "$spool" ] || { echo "pgdrill fetch-wal: the WAL spool $spool is gone: pgdrill stopped fetching" >&2; exit 128; }
  n=$((n + 1))
  if [ "$n" -ge 50 ]; then n=0; ${ownerGuardShell()}; fi
  sleep 0.02
done
`;
}
