/**
 * The supervisor beside a drill's resources, for /bin/sh. Its stdin is a pipe whose other end only
 * pgdrill holds: a line on it means "released normally, exit"; end of file means pgdrill is gone (even by
 * SIGKILL), and then it stops what pgdrill left: containers (by label filter), every process working in
 * one of the directories or a pgBackRest process locking in one (the postmaster gets SIGQUIT, PostgreSQL's
 * immediate shutdown, the rest SIGKILL after a grace period), and finally the directories themselves; unless a `pgdrill-kept` marker in a
 * directory or its parent says the user keeps them.
 * Environment: PGDRILL_DIRS (newline-separated real paths), PGDRILL_CONTAINERS (space-separated filters).
 */
export const SUPERVISOR_SCRIPT = `set -u
if read -r _; then exit 0; fi
IFS='
'
# A drill kept for inspection (--keep-on-failure) is the user's now.
for d in $PGDRILL_DIRS; do
  if [ -e "$d/pgdrill-kept" ] || [ -e "$(dirname "$d")/pgdrill-kept" ]; then exit 0; fi
done
for filter in $(echo "\${PGDRILL_CONTAINERS:-}" | tr ' ' '\\n'); do
  ids=$(docker ps -aq --filter "label=$filter" 2>/dev/null) && [ -n "$ids" ] && docker rm -f -v $ids >/dev/null 2>&1
done
# Processes whose working directory is one of the dirs or below (postgres works in its data dir, and so
# does restore_command): $1 is the signal, $2 "postmasters" to signal only processes named in postmaster.pid.
signal_in() {
  for p in /proc/[0-9]*; do
    pid=\${p#/proc/}
    [ "$pid" = $$ ] && continue
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    for d in $PGDRILL_DIRS; do
      case "$cwd" in "$d"|"$d"/*)
        if [ "$2" = postmasters ]; then
          [ "$(head -n 1 "$cwd/postmaster.pid" 2>/dev/null)" = "$pid" ] || continue
        fi
        kill -"$1" "$pid" 2>/dev/null && found=1 ;;
      *)
        # pgBackRest's detached archive-get worker works in /: it is known by the lock path pgdrill gave it.
        [ "$2" = postmasters ] && continue
        case "$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null)" in
          *"pgbackrest "*--lock-path="$d"*) kill -"$1" "$pid" 2>/dev/null && found=1 ;;
        esac ;;
      esac
    done
  done
}
found=0; signal_in QUIT postmasters
if [ "$found" = 1 ]; then
  i=0; while [ $i -lt 50 ]; do found=0; signal_in 0 postmasters; [ "$found" = 0 ] && break; sleep 0.1; i=$((i + 1)); done
fi
found=0; signal_in KILL all
for d in $PGDRILL_DIRS; do rm -rf "$d"; done
`;
