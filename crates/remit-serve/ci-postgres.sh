#!/usr/bin/env bash
# Runs the service's tests against a throwaway PostgreSQL cluster.
#
# Installs Debian's `postgresql` if it is missing, creates a cluster in a
# temporary directory (as the `postgres` user), starts it on a local port
# (loopback and a socket in /tmp only), exports REMIT_TEST_POSTGRES, runs
# `cargo build -p remit-cli` and `cargo test -p remit-serve` (extra arguments are passed to it), and
# stops and removes the cluster whatever happens.
#
#   bash crates/remit-serve/ci-postgres.sh
#   PGPORT=55433 bash crates/remit-serve/ci-postgres.sh -- concurrency
set -euo pipefail
cd "$(dirname "$0")/../.."
port="${PGPORT:-55432}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
bin="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"

data="$(mktemp -d /tmp/remit-pg.XXXXXX)"
chown postgres "$data"
stop() {
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$data/db' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap stop EXIT

su postgres -s /bin/sh -c "'$bin/initdb' -D '$data/db' -U postgres --auth=trust -E UTF8" >/dev/null
su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$data/db' -l '$data/log' -w -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on\" start" >/dev/null

export REMIT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
# The crash and curl tests drive the real `remit` binary: build it first.
cargo build -q -p remit-cli
cargo test -p remit-serve "$@"
