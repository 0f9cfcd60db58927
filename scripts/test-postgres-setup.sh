#!/usr/bin/env bash
# Sets up the PostgreSQL the store/postgres tests (and serve --store tests)
# run against: installs PostgreSQL 15 if missing, starts its cluster,
# creates the role "switchboard" (password "switchboard") and the database
# "switchboard_test" it owns. Idempotent. Needs root (or sudo).
#
# It prints one line on stdout, the export the tests read, so
#   eval "$(scripts/test-postgres-setup.sh)"
# sets it in the calling shell; everything else goes to stderr.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql/15 ]; then
  echo "installing postgresql-15" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
fi
if ! pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main"' | grep -q .; then
  as_root pg_createcluster 15 main >&2
fi
if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $4}' | grep -q online; then
  as_root pg_ctlcluster 15 main start >&2
fi

# Wait for the server to take connections (a fresh start takes a moment).
for _ in $(seq 1 30); do
  if as_postgres "psql -qtAc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done

if [ "$(as_postgres "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'switchboard'\"")" != "1" ]; then
  as_postgres "psql -qc \"CREATE ROLE switchboard LOGIN PASSWORD 'switchboard'\"" >&2
fi
if [ "$(as_postgres "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'switchboard_test'\"")" != "1" ]; then
  as_postgres "psql -qc 'CREATE DATABASE switchboard_test OWNER switchboard'" >&2
fi

echo "export SWITCHBOARD_TEST_POSTGRES='postgres://switchboard:switchboard@127.0.0.1:5432/switchboard_test?sslmode=disable'"
