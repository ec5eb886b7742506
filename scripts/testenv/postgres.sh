#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL 15 server for Tether's tests.
#
#   scripts/testenv/postgres.sh start   # prints the server's URL on stdout
#   scripts/testenv/postgres.sh stop    # stops it and removes its files
#
# The server lives in a fresh directory under ${TMPDIR:-/tmp}, listens on
# 127.0.0.1 only (on 55432, or the next free port) and trusts every local
# connection: it holds nothing but test data. The one exception is the
# members of the role tether_password_auth (a test creates it), whose TCP
# connections must give their password (scram-sha-256): the tests of
# rendered credentials need a server that checks them. Its URL and
# directory are kept in a state file, $TETHER_PG_STATE (default ${TMPDIR:-/tmp}/tether-pg.state),
# so that `stop` finds it. Both subcommands are idempotent: `start` with a
# server already running prints its URL again; `stop` with none does nothing.
# Two callers that must not share a server use two state files.
#
# Works on a fresh Debian 12 machine without systemd or Docker: as root it
# installs postgresql-15 when missing and runs the server as the `postgres`
# user (initdb refuses root); as any other user it runs the server as that
# user and expects PostgreSQL 15 to be installed.
set -euo pipefail
NAME=postgres.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
FIRST_PORT=${TETHER_PG_PORT:-55432}
STATE=${TETHER_PG_STATE:-${TMPDIR:-/tmp}/tether-pg.state}

# as_owner runs a command as the user who owns the server's files.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# install_postgres installs PostgreSQL when its binaries are missing.
install_postgres() {
  [ -x "$PG_BIN/initdb" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL $PG_VERSION is not installed ($PG_BIN/initdb); as root: apt-get install -y postgresql-$PG_VERSION"
  log "installing postgresql-$PG_VERSION"
  apt_install "postgresql-$PG_VERSION"
  [ -x "$PG_BIN/initdb" ] || die "postgresql-$PG_VERSION installed no $PG_BIN/initdb"
}

# running reports whether the server of the state file is up.
running() {
  local dir
  dir=$(state_get dir)
  [ -n "$dir" ] && [ -d "$dir/data" ] && as_owner "$PG_BIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

# make_dir creates the server's directory, owned by the server's user. If
# that user cannot reach $TMPDIR (e.g. under /root), /tmp is used instead.
make_dir() {
  local dir
  for parent in "${TMPDIR:-/tmp}" /tmp; do
    dir=$(mktemp -d "$parent/tether-pg-XXXXXX") || continue
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    if as_owner test -w "$dir"; then echo "$dir"; return 0; fi
    rm -rf "$dir"
  done
  die "the postgres user cannot write to a temporary directory"
}

# launch starts the server in $1 on port $2, waiting until it accepts
# connections. fsync stays ON (do not add fsync=off or synchronous_commit=off
# for speed): the durability tests need a server that flushes its WAL at
# every commit, as a production server does. initdb's --no-sync only skips
# flushing the new cluster's files once, which a throwaway directory does
# not need.
launch() {
  local dir=$1 port=$2
  as_owner "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=on -c max_connections=200" >/dev/null
}

# require_passwords puts first in the pg_hba.conf file $1 the rule that
# the members of tether_password_auth log in over TCP with a password.
require_passwords() {
  local hba=$1
  as_owner sh -c "{ echo 'host all +tether_password_auth 127.0.0.1/32 scram-sha-256'; cat '$hba'; } >'$hba.new' && mv '$hba.new' '$hba'"
}

# halt_dir stops, at once, the server in directory $1: lib.sh's EXIT trap
# calls it for a server being set up when start fails, before it removes
# the directory.
halt_dir() {
  as_owner "$PG_BIN/pg_ctl" stop -D "$1/data" -m immediate >/dev/null 2>&1 || true
}

start() {
  check_port TETHER_PG_PORT
  install_postgres
  if running; then
    state_get url
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir url
  dir=$(make_dir)
  CLEANUP=$dir
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  require_passwords "$dir/data/pg_hba.conf"
  launch_retry "$dir/postgres.log" "the server" : launch "$dir"
  url="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
  printf 'url=%s\ndir=%s\n' "$url" "$dir" >"$STATE"
  CLEANUP=
  echo "$url"
}

stop() {
  [ -f "$STATE" ] || return 0
  local dir
  dir=$(state_get dir)
  if [ -n "$dir" ] && [ -d "$dir/data" ]; then
    as_owner "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null 2>&1 || true
  fi
  case "$dir" in
    */tether-pg-*) rm -rf "$dir" ;;
  esac
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
