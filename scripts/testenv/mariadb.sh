#!/usr/bin/env bash
# Starts and stops a throwaway MariaDB server for Tether's tests of mysql
# connections.
#
#   scripts/testenv/mariadb.sh start   # prints the path of its fixtures file
#   scripts/testenv/mariadb.sh stop    # stops it and removes its files
#
# The server comes from Debian (mariadb-server, with the mariadb/mysql
# client), installed when missing. It runs with no configuration but its
# command line (--no-defaults: never the system's), its data in a fresh
# directory, on 127.0.0.1 only (on $TETHER_MARIADB_PORT, default 13306, or
# the next free port). As root it runs as the `mysql` user. One
# administrator, `tether`@`127.0.0.1`, with a password that is random for
# each run, can create the users and databases a test needs. They are
# fixtures, not secrets; the tests read them from the JSON file `start`
# prints:
#   {"host": "127.0.0.1", "port", "username": "tether", "password"}
# Its directory, port and process id are kept in a state file,
# $TETHER_MARIADB_STATE (default ${TMPDIR:-/tmp}/tether-mariadb.state), so
# that `stop` finds it. Both subcommands are idempotent: `start` with a
# server already running prints its fixtures file again; `stop` with none
# does nothing. Two callers that must not share a server use two state
# files.
set -euo pipefail
NAME=mariadb.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MARIADBD=/usr/sbin/mariadbd
FIRST_PORT=${TETHER_MARIADB_PORT:-13306}
STATE=${TETHER_MARIADB_STATE:-${TMPDIR:-/tmp}/tether-mariadb.state}
ADMIN=tether

# install installs the server and the client when missing.
install() {
  [ -x "$MARIADBD" ] && command -v mariadb-install-db >/dev/null && command -v mysql >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "MariaDB is not installed; as root: apt-get install -y mariadb-server mariadb-client"
  log "installing mariadb-server and mariadb-client"
  apt_install mariadb-server mariadb-client
  [ -x "$MARIADBD" ] || die "mariadb-server installed no $MARIADBD"
}

# owner is the system user the server runs as: mysql for root, else the
# caller.
owner() { if [ "$(id -u)" -eq 0 ]; then echo mysql; else id -un; fi; }

# random prints $1 random bytes as hex.
random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# client runs the mariadb client as the server's root, over the socket in
# directory $1 (unix_socket authentication for OS root, else root's empty
# password), with the rest of its arguments.
client() {
  local dir=$1
  shift
  mariadb --no-defaults --protocol=socket --socket="$dir/mysqld.sock" -uroot "$@"
}

# ready reports whether the server in directory $1 answers.
ready() { client "$1" -e 'SELECT 1' >/dev/null 2>&1; }

# write_config makes the data directory in $1 (once) and the fixtures file
# for port $2.
write_config() {
  local dir=$1 port=$2
  if [ ! -d "$dir/data" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(owner)" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
      { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  cat >"$dir/fixtures.json" <<JSON
{
  "host": "127.0.0.1",
  "port": $port,
  "username": "$ADMIN",
  "password": "$(random 16)"
}
JSON
}

# launch starts the server in $1 on port $2 and prints its process id once
# it is ready.
launch() {
  local dir=$1 port=$2
  setsid "$MARIADBD" --no-defaults --datadir="$dir/data" --user="$(owner)" \
    --bind-address=127.0.0.1 --port="$port" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
    --skip-name-resolve --log-error="$dir/mariadb.log" >>"$dir/mariadb.log" 2>&1 </dev/null &
  await_ready $! 300 0.1 ready "$dir"
}

# create_admin creates the administrator of the fixtures file in $1; its
# password goes to the client on stdin, not in its arguments.
create_admin() {
  local dir=$1 password
  password=$(sed -n 's/.*"password": "\(.*\)".*/\1/p' "$dir/fixtures.json")
  printf "CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s';
GRANT ALL PRIVILEGES ON *.* TO '%s'@'127.0.0.1' WITH GRANT OPTION;\n" \
    "$ADMIN" "$password" "$ADMIN" | client "$dir" || die "cannot create the administrator"
}

start() {
  check_port TETHER_MARIADB_PORT
  install
  if alive "$(state_get pid)" && ready "$(state_get dir)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-mariadb-XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown "$(owner):" "$dir"; fi
  CLEANUP=$dir
  launch_retry "$dir/mariadb.log" "the server" write_config launch "$dir"
  create_admin "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "$dir/fixtures.json"
}

# stop stops the server, if any, and removes its files and the state file.
stop() { stop_server '*/tether-mariadb-*'; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
