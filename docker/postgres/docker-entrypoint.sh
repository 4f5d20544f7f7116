#!/bin/sh
# Entry point of pgdrill's PostgreSQL image built from Debian packages (scripts/build-images.sh).
# It honours the environment contract of the official postgres image that @testcontainers/postgresql
# relies on: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB and PGDATA. Any other command runs as given.
set -eu

if [ "${1:-}" != postgres ]; then exec "$@"; fi

# As root: make the data directory the server user's own, then run the rest as that user.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set: this image admits TCP clients by password only}"
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  # TCP from anywhere the container is reachable (the published port), by password; the socket stays local.
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | postgres --single -D "$PGDATA" -c exit_on_error=on postgres >/dev/null
  fi
fi

exec "$@"
