#!/usr/bin/env bash
# Installs PostgreSQL (Debian/Ubuntu package `postgresql`) for `npm run migrations:check` and its spec
# (test/migrations-check.spec.ts): the check starts its own throwaway server (initdb into a temp folder, a
# Unix socket there, no TCP port) and removes it afterwards; the package's own cluster and service are not
# used. Debian puts initdb, postgres and pg_dump in /usr/lib/postgresql/<version>/bin, off PATH: the check
# looks there too.
#
# Usage: scripts/postgres.sh [--for-tests]
#   --for-tests  what `.ci/run` and `npm test` run: without root, sudo or apt-get, only says that the
#                PostgreSQL specs will be skipped, unless PLATFORM_POSTGRES=required or
#                PLATFORM_ENGINE_SPECS=required (CI), where a missing PostgreSQL is an error.
set -euo pipefail
# shellcheck source=scripts/debian-packages.sh
source "$(dirname "$0")/debian-packages.sh"

mode="${1:-}"
if [[ "$mode" == "--for-tests" && "${PLATFORM_POSTGRES:-}" == "required" ]]; then mode="--required"; fi

# The server programs, where the check finds them: initdb's own folder when it is on PATH, else Debian's.
server_programs() {
  local dir initdb
  initdb="$(command -v initdb 2>/dev/null || true)"
  for dir in ${initdb:+"$(dirname "$(readlink -f "$initdb")")"} /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" && -x "$dir/psql" && -x "$dir/pg_dump" ]]; then echo "$dir"; return 0; fi
  done
  return 1
}

if dir="$(server_programs)"; then
  echo "postgres: initdb, postgres, psql, pg_dump already installed in $dir (nothing to do)"
  exit 0
fi
# pg_ctlcluster comes with the server package (postgresql-common), psql with the client: both on PATH.
install_debian_packages postgres "the PostgreSQL specs" "$mode" "psql pg_ctlcluster" postgresql
if ! dir="$(server_programs)"; then
  echo "postgres: the postgresql package is installed, but no folder holds initdb, postgres, psql and pg_dump" >&2
  exit 1
fi
echo "postgres: server programs in $dir"
