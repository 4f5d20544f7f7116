#!/usr/bin/env bash
# Builds the container images pgdrill's docker engine needs from Debian packages alone, for machines that
# cannot pull from a registry (air-gapped CI, pgdrill's own CI):
#   pgdrill/postgres:15        PostgreSQL 15 server + clients, with an entry point that honours the official
#                              postgres image's environment (POSTGRES_USER/PASSWORD/DB, PGDATA)
#   pgdrill-runner:<version>   (with --runner) pgdrill itself with PostgreSQL 15, pgBackRest, barman-cli-cloud,
#                              for running drills in Kubernetes pods or CI containers
# Debian 12 ships PostgreSQL 15 only; other majors need apt.postgresql.org (set PGDRILL_DEBIAN_MIRRORS).
# Needs: root (or sudo), mmdebstrap, a running Docker engine, the Debian mirror. An image already present is
# kept unless --rebuild is given.
set -euo pipefail
cd "$(dirname "$0")/.."

runner=false rebuild=false
for arg in "$@"; do
  case "$arg" in
    --runner) runner=true ;;
    --rebuild) rebuild=true ;;
    *) echo "usage: $0 [--runner] [--rebuild]" >&2; exit 2 ;;
  esac
done

SUITE=bookworm
MIRRORS=${PGDRILL_DEBIAN_MIRRORS:-"deb http://deb.debian.org/debian bookworm main|deb http://deb.debian.org/debian bookworm-updates main|deb http://deb.debian.org/debian-security bookworm-security main"}
IFS='|' read -r -a mirror_args <<< "$MIRRORS"
PG_PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VERSION=$(node -p "require('./package.json').version")

for cmd in mmdebstrap docker; do
  command -v "$cmd" >/dev/null || { echo "build-images: $cmd is missing (apt-get install mmdebstrap docker.io)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "build-images: no Docker engine answers (start dockerd)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

present() { [ "$rebuild" = false ] && docker image inspect "$1" >/dev/null 2>&1; }

# Slim Debian root filesystem with the given packages; docs, man pages and the packaged cluster left out.
rootfs() {
  local out=$1 packages=$2; shift 2
  mmdebstrap --variant=minbase --quiet --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -rf "$1"/var/lib/postgresql/15/main "$1"/etc/postgresql/15/main "$1"/var/lib/apt/lists/*' \
    "$@" "$SUITE" "$out" "${mirror_args[@]}"
}

if present pgdrill/postgres:15; then
  echo "build-images: pgdrill/postgres:15 is present (--rebuild to build it again)" >&2
else
  echo "build-images: building pgdrill/postgres:15 from Debian packages" >&2
  rootfs "$work/postgres.tar" postgresql-15,ca-certificates \
    --customize-hook='copy-in docker/postgres/docker-entrypoint.sh /usr/local/bin' \
    --customize-hook='chmod 755 "$1"/usr/local/bin/docker-entrypoint.sh'
  docker import \
    --change "ENV PATH=$PG_PATH" --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'ENV LANG=C.UTF-8' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["postgres"]' \
    --change 'EXPOSE 5432' \
    --change 'LABEL org.pgdrill.image=postgres org.pgdrill.built-from=debian-packages' \
    "$work/postgres.tar" pgdrill/postgres:15 >/dev/null
  rm -f "$work/postgres.tar"
fi

if [ "$runner" = true ]; then
  tag="pgdrill-runner:$VERSION"
  # The runner carries pgdrill itself: an image built from other sources is stale, whatever its version says.
  source_hash=$(find src fixtures suites schema package.json package-lock.json tsconfig.json tsconfig.build.json -type f -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  built_from=$(docker image inspect --format '{{index .Config.Labels "org.pgdrill.source-hash"}}' "$tag" 2>/dev/null || true)
  if present "$tag" && [ "$built_from" = "$source_hash" ]; then
    echo "build-images: $tag is present and built from these sources (--rebuild to build it again)" >&2
  else
    echo "build-images: building $tag (pgdrill with PostgreSQL 15, pgBackRest, barman-cli-cloud)" >&2
    # pgdrill needs Node 20 or later and Debian 12 packages Node 18: the image takes this machine's node binary.
    node_bin=$(command -v node)
    app="$work/app"
    mkdir -p "$app"
    # From a fresh clone the build tools are not installed yet.
    [ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund --loglevel=error >&2
    npm run --silent build >&2
    cp -r dist package.json package-lock.json fixtures suites schema "$app/"
    (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    rootfs "$work/runner.tar" postgresql-15,pgbackrest,barman-cli-cloud,openssl,zstd,gzip,ca-certificates \
      --customize-hook="copy-in $node_bin /usr/local/bin" \
      --customize-hook="mkdir -p \"\$1\"/opt/pgdrill" \
      --customize-hook="sync-in $app /opt/pgdrill" \
      --customize-hook='printf "#!/bin/sh\nexec /usr/local/bin/node /opt/pgdrill/dist/cli/main.js \"\$@\"\n" > "$1"/usr/local/bin/pgdrill && chmod 755 "$1"/usr/local/bin/pgdrill'
    docker import \
      --change "ENV PATH=$PG_PATH" --change 'ENV LANG=C.UTF-8' --change 'WORKDIR /work' \
      --change 'ENTRYPOINT ["/usr/local/bin/pgdrill"]' --change 'CMD ["--help"]' \
      --change "LABEL org.pgdrill.image=runner org.pgdrill.version=$VERSION org.pgdrill.built-from=debian-packages org.pgdrill.source-hash=$source_hash" \
      "$work/runner.tar" "$tag" >/dev/null
  fi
fi
docker image ls --filter 'label=org.pgdrill.image' --format '{{.Repository}}:{{.Tag}} {{.Size}}' >&2
