#!/usr/bin/env bash
# For `make test`: makes sure a PostgreSQL the integration tests can use answers, and writes its URL to
# .cache/test-database-url (the tests read it; TEST_DATABASE_URL in the environment wins).
#  1. TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:PORT/test (a trust-auth server, as on CI) → done.
#  2. Otherwise a local cluster of Debian's postgresql package on PORT: installed if missing, started if
#     stopped (pg_ctlcluster; no systemd needed), with a role and database `hotline_test` created over
#     the postgres user's local socket; the URL then carries that role's password.
# The server itself needs none of this: without DATABASE_URL it uses PGlite.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT="${TEST_PG_PORT:-5432}"
OUT=.cache/test-database-url
mkdir -p .cache

say() { printf 'ensure-postgres: %s\n' "$*"; }
die() { printf 'ensure-postgres: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# Can node's pg (what the tests use) connect and query? 3 s at most.
usable() {
  timeout 5 node -e '
    const pg = require("pg");
    const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query("SELECT 1")).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));
  ' "$1" >/dev/null 2>&1
}

previous="$(cat "$OUT" 2>/dev/null || true)"
for url in "${TEST_DATABASE_URL:-}" "$previous" "postgres://postgres@127.0.0.1:$PORT/test"; do
  [ -n "$url" ] || continue
  if usable "$url"; then
    printf '%s\n' "$url" >"$OUT"
    exit 0
  fi
done

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "no PostgreSQL answers on 127.0.0.1:$PORT and apt-get is missing; set TEST_DATABASE_URL"
  say "installing PostgreSQL (Debian package postgresql)"
  as_root apt-get update -qq
  # the package's own start attempt may fail without systemd; the cluster is started below
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null || true
  command -v pg_lsclusters >/dev/null 2>&1 || die "postgresql did not install"
fi

# the cluster on PORT, or a new one
cluster="$(pg_lsclusters --no-header 2>/dev/null | awk -v p="$PORT" '$3 == p { print $1 " " $2 " " $4; exit }')"
if [ -z "$cluster" ]; then
  version="$(pg_lsclusters --no-header 2>/dev/null | awk '{ print $1 }' | sort -n | tail -1)"
  [ -n "$version" ] || version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  say "creating PostgreSQL $version cluster hotline on port $PORT"
  as_root pg_createcluster "$version" hotline --port "$PORT" >/dev/null
  cluster="$version hotline down"
fi
read -r version name status <<<"$cluster"
if [ "$status" != "online" ]; then
  say "starting PostgreSQL $version/$name on port $PORT"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
fi

# a role and database for the tests, created through the local socket as the postgres superuser
psql_su() { as_root su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qAt -c \"$1\""; }
password=hotline_test
if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname = 'hotline_test'")" != "1" ]; then
  psql_su "CREATE ROLE hotline_test LOGIN PASSWORD '$password'" >/dev/null
fi
if [ "$(psql_su "SELECT 1 FROM pg_database WHERE datname = 'hotline_test'")" != "1" ]; then
  psql_su "CREATE DATABASE hotline_test OWNER hotline_test" >/dev/null
fi
url="postgres://hotline_test:$password@127.0.0.1:$PORT/hotline_test"
usable "$url" || die "PostgreSQL on port $PORT does not accept $url (check pg_hba.conf for 127.0.0.1)"
say "tests use $url"
printf '%s\n' "$url" >"$OUT"
