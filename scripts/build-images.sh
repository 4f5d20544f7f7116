#!/usr/bin/env bash
# Builds the container images pgdrill's docker engine needs from Debian packages alone, for machines that
# cannot pull from a registry (air-gapped CI, pgdrill's own CI):
#   pgdrill/postgres:<major>          PostgreSQL <major> server + client tools + pgBackRest, with an entry point
#                                     that honours the official postgres image's environment
#                                     (POSTGRES_USER/PASSWORD/DB, PGDATA). 15 from bookworm, 17 from trixie,
#                                     18 from forky (Debian packages no 16).
#   pgdrill/timescaledb:<ver>-pg<major> and :latest-pg<major>
#                                     (with --timescaledb; 17 and 18 only) the same plus Debian's
#                                     postgresql-<major>-timescaledb (the Apache-licensed edition: hypertables
#                                     and chunks, no compression or continuous aggregates); kept only when a
#                                     server in it starts with shared_preload_libraries=timescaledb and
#                                     CREATE EXTENSION timescaledb works. The docker engine runs these when
#                                     the official images are absent and pulls are disabled.
#   pgdrill-runner:<version>          (with --runner) pgdrill itself with PostgreSQL 15, pgBackRest,
#                                     barman-cli-cloud, for running drills in Kubernetes pods or CI containers
# The Debian mirror is the one this machine's apt already uses (its sources for this release's suite and its
# -security suite), so an internal mirror serves the same builds; --mirror / --security-mirror override it.
# Expired Release files are accepted (testing's expire within days of a mirror freezing); signatures are still
# checked; --check-valid-until refuses them.
# Each image carries a content label (what it was built from: suite, packages, entry point); an image whose
# label matches is kept, one whose label differs is built again. Nothing is ever pulled.
# Needs: root (or sudo), mmdebstrap, a running Docker engine, the Debian mirror.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: $0 [--majors=15,17,18] [--timescaledb] [--runner] [--rebuild] [--mirror=URI] [--security-mirror=URI] [--check-valid-until]" >&2
  exit 2
}
runner=false rebuild=false timescaledb=false majors=15,17,18 mirror="" security_mirror="" check_valid_until=false
for arg in "$@"; do
  case "$arg" in
    --runner) runner=true ;;
    --rebuild) rebuild=true ;;
    --timescaledb) timescaledb=true ;;
    --majors=*) majors=${arg#--majors=} ;;
    --mirror=*) mirror=${arg#--mirror=} ;;
    --security-mirror=*) security_mirror=${arg#--security-mirror=} ;;
    --check-valid-until) check_valid_until=true ;;
    *) usage ;;
  esac
done
majors=${PGDRILL_IMAGE_MAJORS:-$majors}
IFS=',' read -r -a major_list <<< "$majors"
for m in "${major_list[@]}"; do
  case "$m" in 15|17|18) ;; *) echo "build-images: no Debian suite packages PostgreSQL $m (build 15, 17 or 18)" >&2; exit 2 ;; esac
done

suite_of() { case "$1" in 15) echo bookworm ;; 17) echo trixie ;; 18) echo forky ;; esac; }

# The URIs this machine's apt fetches a suite from, one per line: one-line .list entries and deb822 .sources.
apt_uris_for_suite() {
  local want=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v s="$want" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == s) print $i }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v s="$want" '
      function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " s " ")) { n = split(uris, u, " "); for (k = 1; k <= n; k++) print u[k] } types = uris = suites = ""; enabled = "" }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { types = substr($0, index($0, ":") + 2) }
      tolower($1) == "uris:" { uris = substr($0, index($0, ":") + 2) }
      tolower($1) == "suites:" { suites = substr($0, index($0, ":") + 2) }
      tolower($1) == "enabled:" { enabled = $2 }
      END { flush() }' "$f"
  done
}

host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ -z "$mirror" ] && [ -n "$host_suite" ]; then mirror=$(apt_uris_for_suite "$host_suite" | head -n1); fi
if [ -z "$security_mirror" ] && [ -n "$host_suite" ]; then security_mirror=$(apt_uris_for_suite "$host_suite-security" | head -n1); fi
if [ -z "$mirror" ]; then
  echo "build-images: found no Debian mirror in this machine's apt sources for '${host_suite:-its release}'; give one with --mirror=URI (and --security-mirror=URI)" >&2
  exit 2
fi
echo "build-images: Debian mirror $mirror${security_mirror:+, security $security_mirror}" >&2

PG_PATH_REST=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VERSION=$(node -p "require('./package.json').version")

for cmd in mmdebstrap docker; do
  command -v "$cmd" >/dev/null || { echo "build-images: $cmd is missing (apt-get install mmdebstrap docker.io)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "build-images: no Docker engine answers (start dockerd)" >&2; exit 1; }

work=$(mktemp -d)
smoke_container=""
trap 'rm -rf "$work"; [ -z "$smoke_container" ] || docker rm -f -v "$smoke_container" >/dev/null 2>&1 || true' EXIT

present() { [ "$rebuild" = false ] && docker image inspect "$1" >/dev/null 2>&1; }
label_of() { docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

# Slim Debian root filesystem of a suite with the given packages; docs, man pages and the packaged cluster
# left out. The suite's -updates and -security suites come along when the mirror serves them.
rootfs() {
  local out=$1 suite=$2 major=$3 packages=$4; shift 4
  local sources=("deb $mirror $suite main" "deb $mirror $suite-updates main")
  [ -z "$security_mirror" ] || sources+=("deb $security_mirror $suite-security main")
  # Release files of testing (forky) expire within days; a frozen or internal mirror serves them longer.
  # Signatures are still checked; --check-valid-until refuses expired ones.
  local valid_until=()
  [ "$check_valid_until" = true ] || valid_until=(--aptopt='Acquire::Check-Valid-Until "false"')
  mmdebstrap --variant=minbase --quiet --include="$packages" "${valid_until[@]}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="rm -rf \"\$1\"/var/lib/postgresql/$major/main \"\$1\"/etc/postgresql/$major/main \"\$1\"/var/lib/apt/lists/*" \
    "$@" "$suite" "$out" "${sources[@]}"
}

# What an image is built from, hashed: rebuilt when any of it changes (not the mirror: the same suite anywhere).
content_hash() { { printf '%s\n' "$@"; cat docker/postgres/docker-entrypoint.sh; } | sha256sum | cut -c1-16; }

# A new TimescaleDB image must load the library and create the extension before it is kept: the server
# starts with shared_preload_libraries=timescaledb and runs CREATE EXTENSION; prints "<version> (<license>)".
smoke_test_timescaledb() {
  local tag=$1 out="" state
  smoke_container=$(docker run -d --pull=never --network none -e POSTGRES_PASSWORD=smoke-test "$tag" \
    postgres -c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off)
  # Ready when a query answers (the entry point's initdb runs no server); over when the container exits.
  for _ in $(seq 1 300); do
    if out=$(docker exec -u postgres "$smoke_container" psql -X -At -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS timescaledb' \
      -c "SELECT extversion || ' (' || current_setting('timescaledb.license') || ')' FROM pg_extension WHERE extname = 'timescaledb'" 2>"$work/smoke.err"); then
      break
    fi
    out=""
    state=$(docker inspect -f '{{.State.Running}}' "$smoke_container" 2>/dev/null || echo false)
    [ "$state" = true ] || break
    sleep 1
  done
  if [ -z "$out" ]; then
    echo "build-images: $tag did not load TimescaleDB: $(tail -n 3 "$work/smoke.err" 2>/dev/null | tr '\n' ' ')server log: $(docker logs --tail 5 "$smoke_container" 2>&1 | tr '\n' ' ')" >&2
  fi
  docker rm -f -v "$smoke_container" >/dev/null 2>&1 || true
  smoke_container=""
  [ -n "$out" ] && echo "$out" | tail -n 1
}

# pgdrill/postgres:<major>, or with an extension package pgdrill/timescaledb:<ver>-pg<major> (+ latest-pg<major>).
build_server_image() {
  local major=$1 kind=$2 suite packages hash tag start seconds loaded=""
  suite=$(suite_of "$major")
  packages="postgresql-$major,postgresql-client-$major,pgbackrest,ca-certificates"
  if [ "$kind" = timescaledb ]; then
    packages="$packages,postgresql-$major-timescaledb"
    tag="pgdrill/timescaledb:latest-pg$major"
  else
    tag="pgdrill/postgres:$major"
  fi
  hash=$(content_hash "$kind" "$suite" "$packages" "pg-path=/usr/lib/postgresql/$major/bin")
  if present "$tag" && [ "$(label_of "$tag" org.pgdrill.content-hash)" = "$hash" ]; then
    echo "build-images: $tag is present and built from this recipe (--rebuild to build it again)" >&2
    return
  fi
  echo "build-images: building $tag from Debian $suite packages ($packages)" >&2
  start=$(date +%s)
  rootfs "$work/$kind-$major.tar" "$suite" "$major" "$packages" \
    --customize-hook='copy-in docker/postgres/docker-entrypoint.sh /usr/local/bin' \
    --customize-hook='chmod 755 "$1"/usr/local/bin/docker-entrypoint.sh' \
    --customize-hook="dpkg-query --admindir=\"\$1\"/var/lib/dpkg -W -f='\${Version}' postgresql-$major > '$work/$kind-$major.pgversion'" \
    --customize-hook="dpkg-query --admindir=\"\$1\"/var/lib/dpkg -W -f='\${Version}' postgresql-$major-timescaledb > '$work/$kind-$major.tsversion' 2>/dev/null || true"
  local pg_version; pg_version=$(cat "$work/$kind-$major.pgversion")
  docker import \
    --change "ENV PATH=/usr/lib/postgresql/$major/bin:$PG_PATH_REST" --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["postgres"]' \
    --change 'EXPOSE 5432' \
    --change "LABEL org.pgdrill.image=$kind org.pgdrill.built-from=debian-packages org.pgdrill.debian-suite=$suite org.pgdrill.postgres-major=$major org.pgdrill.postgres-version=$pg_version org.pgdrill.content-hash=$hash" \
    "$work/$kind-$major.tar" "$tag" >/dev/null
  if [ "$kind" = timescaledb ]; then
    local ts_version; ts_version=$(sed -E 's/^([0-9.]+).*/\1/' "$work/$kind-$major.tsversion")
    # A broken image must not stay behind under the label that would keep it on the next run.
    if ! smoke_test_timescaledb "$tag" > "$work/smoke.out"; then
      docker image rm "$tag" >/dev/null 2>&1 || true
      echo "build-images: removed $tag: the server in it could not create the timescaledb extension" >&2
      exit 1
    fi
    loaded=$(cat "$work/smoke.out")
    docker tag "$tag" "pgdrill/timescaledb:$ts_version-pg$major"
    tag="$tag, pgdrill/timescaledb:$ts_version-pg$major"
  fi
  rm -f "$work/$kind-$major.tar"
  seconds=$(( $(date +%s) - start ))
  echo "build-images: built $tag (PostgreSQL $pg_version${loaded:+; CREATE EXTENSION timescaledb works: $loaded}) in ${seconds}s" >&2
}

for m in "${major_list[@]}"; do build_server_image "$m" postgres; done
if [ "$timescaledb" = true ]; then
  for m in "${major_list[@]}"; do
    if [ "$m" = 15 ]; then
      echo "build-images: Debian 12 packages no TimescaleDB for PostgreSQL 15: no pgdrill/timescaledb image for it" >&2
    else
      build_server_image "$m" timescaledb
    fi
  done
fi

if [ "$runner" = true ]; then
  tag="pgdrill-runner:$VERSION"
  # The runner carries pgdrill itself: an image built from other sources is stale, whatever its version says.
  source_hash=$(find src fixtures suites schema package.json package-lock.json tsconfig.json tsconfig.build.json scripts/build-images.sh -type f -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  if present "$tag" && [ "$(label_of "$tag" org.pgdrill.source-hash)" = "$source_hash" ]; then
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
    # The runner's `pgdrill demo` must work without a network, so the image carries the demo's embedded S3 server
    # (s3rver, a dev dependency and optional peer of the package): it becomes a dependency of this copy only, at
    # the version package-lock.json pins.
    (cd "$app" && node -e '
      const fs = require("fs");
      const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
      p.dependencies.s3rver = p.devDependencies.s3rver;
      delete p.devDependencies.s3rver;
      fs.writeFileSync("package.json", JSON.stringify(p, null, 2));' &&
      npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    # The postgres user is uid/gid 999 as in the official image (and deploy/runner/Dockerfile), so the pods'
    # runAsUser: 999 finds itself in /etc/passwd; made before the packages, whose scripts then keep it.
    rootfs "$work/runner.tar" bookworm 15 postgresql-15,pgbackrest,barman-cli-cloud,openssl,zstd,gzip,ca-certificates \
      --essential-hook='echo "postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh" >> "$1"/etc/passwd && echo "postgres:x:999:" >> "$1"/etc/group' \
      --customize-hook="copy-in $node_bin /usr/local/bin" \
      --customize-hook="mkdir -p \"\$1\"/opt/pgdrill \"\$1\"/work && chown 999:999 \"\$1\"/work" \
      --customize-hook="sync-in $app /opt/pgdrill" \
      --customize-hook='printf "#!/bin/sh\nexec /usr/local/bin/node /opt/pgdrill/dist/cli/main.js \"\$@\"\n" > "$1"/usr/local/bin/pgdrill && chmod 755 "$1"/usr/local/bin/pgdrill'
    docker import \
      --change "ENV PATH=/usr/lib/postgresql/15/bin:$PG_PATH_REST" --change 'ENV LANG=C.UTF-8' --change 'WORKDIR /work' \
      --change 'ENTRYPOINT ["/usr/local/bin/pgdrill"]' --change 'CMD ["--help"]' \
      --change "LABEL org.pgdrill.image=runner org.pgdrill.version=$VERSION org.pgdrill.built-from=debian-packages org.pgdrill.source-hash=$source_hash" \
      "$work/runner.tar" "$tag" >/dev/null
  fi
fi
docker image ls --filter 'label=org.pgdrill.image' --format '{{.Repository}}:{{.Tag}} {{.Size}}' >&2
