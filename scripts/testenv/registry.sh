#!/usr/bin/env bash
# Starts and stops a throwaway Docker registry (distribution v2) with
# password authentication for Tether's tests.
#
#   scripts/testenv/registry.sh start   # prints the path of its fixtures file
#   scripts/testenv/registry.sh stop    # stops it and removes its files
#
# The registry comes from Debian (docker-registry; htpasswd from
# apache2-utils), installed when missing. It runs with its own
# configuration, not Debian's (which listens on every interface): plain
# HTTP on 127.0.0.1 only (on $TETHER_REGISTRY_PORT, default 5000, or the
# next free port), storage in a fresh directory, and one user in a bcrypt
# htpasswd file (the only hash the registry accepts) whose password is random
# for each run. They are fixtures, not secrets; the tests read them from the
# JSON file `start` prints:
#   {"host": "127.0.0.1:PORT", "username", "password"}
# Its directory, port and process id are kept in a state file,
# $TETHER_REGISTRY_STATE (default ${TMPDIR:-/tmp}/tether-registry.state), so
# that `stop` finds it. Both subcommands are idempotent: `start` with a
# registry already running prints its fixtures file again; `stop` with none
# does nothing. Two callers that must not share a registry use two state
# files.
set -euo pipefail
NAME=registry.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_BIN=/usr/bin/docker-registry
FIRST_PORT=${TETHER_REGISTRY_PORT:-5000}
STATE=${TETHER_REGISTRY_STATE:-${TMPDIR:-/tmp}/tether-registry.state}
USERNAME=tether

# install installs the registry and htpasswd when missing.
install() {
  [ -x "$REGISTRY_BIN" ] && command -v htpasswd >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "the registry is not installed; as root: apt-get install -y docker-registry apache2-utils"
  log "installing docker-registry and apache2-utils"
  apt_install docker-registry apache2-utils
  [ -x "$REGISTRY_BIN" ] || die "docker-registry installed no $REGISTRY_BIN"
  command -v htpasswd >/dev/null || die "apache2-utils installed no htpasswd"
}

# ready reports whether the registry on port $1 asks for credentials at
# /v2/ (401): it is up, and authentication is on.
ready() {
  local line
  [ -n "$1" ] || return 1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3
    read -r line <&3
    case $line in *" 401 "*) exit 0 ;; *) exit 1 ;; esac
  ) 2>/dev/null
}

# random prints $1 random bytes as hex.
random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# write_config writes, into directory $1, the registry's htpasswd file (the
# password goes to htpasswd on stdin, not in its arguments), its
# configuration for port $2, and the fixtures file.
write_config() {
  local dir=$1 port=$2 password
  password=$(random 16)
  printf '%s' "$password" | htpasswd -Bin "$USERNAME" >"$dir/htpasswd" 2>"$dir/htpasswd.log" ||
    { cat "$dir/htpasswd.log" >&2; die "htpasswd failed"; }
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(random 16)
auth:
  htpasswd:
    realm: tether-test-registry
    path: $dir/htpasswd
EOF
  cat >"$dir/fixtures.json" <<EOF
{
  "host": "127.0.0.1:$port",
  "username": "$USERNAME",
  "password": "$password"
}
EOF
}

# launch starts the registry configured in $1 on port $2 and prints its
# process id once it is ready.
launch() {
  local dir=$1 port=$2
  setsid "$REGISTRY_BIN" serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 </dev/null &
  await_ready $! 300 0.1 ready "$port"
}

start() {
  check_port TETHER_REGISTRY_PORT
  install
  if alive "$(state_get pid)" && ready "$(state_get port)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its registry is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-registry-XXXXXX")
  CLEANUP=$dir
  launch_retry "$dir/registry.log" "the registry" write_config launch "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "$dir/fixtures.json"
}

# stop stops the registry, if any, and removes its files and the state file.
stop() { stop_server '*/tether-registry-*'; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
