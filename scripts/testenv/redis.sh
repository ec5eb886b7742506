#!/usr/bin/env bash
# Starts and stops a throwaway Redis server that requires a password, for
# Tether's tests of redis connections.
#
#   scripts/testenv/redis.sh start   # prints the path of its fixtures file
#   scripts/testenv/redis.sh stop    # stops it and removes its files
#
# The server comes from Debian (redis-server, with redis-cli from
# redis-tools), installed when missing. It runs with its own configuration,
# never the system's: 127.0.0.1 only (on $TETHER_REDIS_PORT, default 16379,
# or the next free port), nothing saved to disk, and requirepass set to a
# password that is random for each run. As root it runs as the `redis`
# user. They are fixtures, not secrets; the tests read them from the JSON
# file `start` prints:
#   {"host": "127.0.0.1", "port", "password"}
# Its directory, port and process id are kept in a state file,
# $TETHER_REDIS_STATE (default ${TMPDIR:-/tmp}/tether-redis.state), so that
# `stop` finds it. Both subcommands are idempotent: `start` with a server
# already running prints its fixtures file again; `stop` with none does
# nothing. Two callers that must not share a server use two state files.
set -euo pipefail
NAME=redis.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_BIN=/usr/bin/redis-server
FIRST_PORT=${TETHER_REDIS_PORT:-16379}
STATE=${TETHER_REDIS_STATE:-${TMPDIR:-/tmp}/tether-redis.state}

# install installs the server and redis-cli when missing.
install() {
  [ -x "$REDIS_BIN" ] && command -v redis-cli >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "Redis is not installed; as root: apt-get install -y redis-server redis-tools"
  log "installing redis-server and redis-tools"
  apt_install redis-server redis-tools
  [ -x "$REDIS_BIN" ] || die "redis-server installed no $REDIS_BIN"
}

# random prints $1 random bytes as hex.
random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# password prints the password of the fixtures file in directory $1.
password() { sed -n 's/.*"password": "\(.*\)".*/\1/p' "$1/fixtures.json"; }

# ready reports whether the server on port $2, configured in $1, answers
# PONG to its password (given to redis-cli in REDISCLI_AUTH, not in its
# arguments).
ready() {
  [ "$(REDISCLI_AUTH=$(password "$1") redis-cli -h 127.0.0.1 -p "$2" ping 2>/dev/null)" = PONG ]
}

# write_config writes, into directory $1, the server's configuration for
# port $2 (it holds the password, so it is readable by its owner only) and
# the fixtures file.
write_config() {
  local dir=$1 port=$2 pw
  pw=$(random 16)
  (
    umask 077
    cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
requirepass $pw
save ""
appendonly no
dir $dir
daemonize no
logfile $dir/redis.log
CONF
  )
  printf '{\n  "host": "127.0.0.1",\n  "port": %s,\n  "password": "%s"\n}\n' "$port" "$pw" >"$dir/fixtures.json"
  if [ "$(id -u)" -eq 0 ]; then chown redis: "$dir/redis.conf"; fi
}

# launch starts the server configured in $1 on port $2 and prints its
# process id once it is ready.
launch() {
  local dir=$1 port=$2
  if [ "$(id -u)" -eq 0 ]; then
    setsid runuser -u redis -- "$REDIS_BIN" "$dir/redis.conf" >>"$dir/redis.out" 2>&1 </dev/null &
  else
    setsid "$REDIS_BIN" "$dir/redis.conf" >>"$dir/redis.out" 2>&1 </dev/null &
  fi
  await_ready $! 300 0.1 ready "$dir" "$port"
}

start() {
  check_port TETHER_REDIS_PORT
  install
  if alive "$(state_get pid)" && ready "$(state_get dir)" "$(state_get port)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-redis-XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown redis: "$dir"; fi
  CLEANUP=$dir
  launch_retry "$dir/redis.out" "the server" write_config launch "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "$dir/fixtures.json"
}

# stop stops the server, if any, and removes its files and the state file.
stop() { stop_server '*/tether-redis-*' group; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
