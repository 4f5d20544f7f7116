#!/usr/bin/env bash
# Installs what pgdrill's tests (or, with --demo, its demo) need, or says exactly what to install.
# npm packages: `npm ci` when node_modules is missing or older than package-lock.json.
# Debian packages: apt-get when running as root or with passwordless sudo; otherwise the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "pgdrill setup: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# command → Debian package that provides it. The demo (`--demo`) needs PostgreSQL and the dump tools only;
# the tests also need the backup tools, Chromium (the evidence report), promtool (the metrics format) and
# xmllint (JUnit files checked against an XSD).
declare -A NEEDED=(
  [/usr/lib/postgresql/15/bin/postgres]=postgresql-15
  [openssl]=openssl
  [zstd]=zstd
  [gzip]=gzip
)
if [ "${1:-}" != --demo ]; then
  NEEDED+=(
    [pgbackrest]=pgbackrest
    [barman-cloud-restore]=barman-cli-cloud
    [chromium]=chromium
    [promtool]=prometheus
    [xmllint]=libxml2-utils
  )
fi
missing=()
for cmd in "${!NEEDED[@]}"; do
  if [[ "$cmd" == /* ]]; then
    # any installed server major will do; 15 is what Debian 12 ships
    ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
  else
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd="sudo"
else
  echo "pgdrill setup: missing Debian packages: ${missing[*]}" >&2
  echo "pgdrill setup: install them with:  sudo sh -c '$install_cmd'" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "pgdrill setup: missing ${missing[*]} and this is not a Debian/Ubuntu system; install the equivalent packages" >&2
  exit 1
fi
echo "pgdrill setup: installing ${missing[*]} with apt-get" >&2
$sudo_cmd sh -c "$install_cmd" >&2
