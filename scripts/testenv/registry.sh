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

REGISTRY_BIN=/usr/bin/docker-registry
FIRST_PORT=${TETHER_REGISTRY_PORT:-5000}
STATE=${TETHER_REGISTRY_STATE:-${TMPDIR:-/tmp}/tether-registry.state}
USERNAME=tether

log() { printf 'registry.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# install installs the registry and htpasswd when missing. apt's package
# lists are refreshed only if the first attempt cannot find them.
install() {
  [ -x "$REGISTRY_BIN" ] && command -v htpasswd >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "the registry is not installed; as root: apt-get install -y docker-registry apache2-utils"
  log "installing docker-registry and apache2-utils"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q docker-registry apache2-utils >&2; then
    apt-get update -q >&2
    apt-get install -y -q docker-registry apache2-utils >&2
  fi
  [ -x "$REGISTRY_BIN" ] || die "docker-registry installed no $REGISTRY_BIN"
  command -v htpasswd >/dev/null || die "apache2-utils installed no htpasswd"
}

# state_get prints the value of KEY in the state file, if any.
state_get() {
  if [ -f "$STATE" ]; then sed -n "s/^$1=//p" "$STATE"; fi
}

# alive reports whether process $1 exists and is not a zombie waiting for
# init to reap it (which can take a second).
alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  case $(cat "/proc/$1/stat" 2>/dev/null) in *") Z "*) return 1 ;; esac
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

# port_free reports whether nothing accepts connections on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints the first free port from $1 on.
free_port() {
  local port=$1
  for _ in $(seq 200); do
    if port_free "$port"; then echo "$port"; return 0; fi
    port=$((port + 1))
  done
  die "no free port from $1 to $port"
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
  local dir=$1 port=$2 pid
  setsid "$REGISTRY_BIN" serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 300); do
    if ready "$port"; then echo "$pid"; return 0; fi
    alive "$pid" || return 1
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  return 1
}

# CLEANUP is the directory of a registry being set up; if start fails, the
# EXIT trap stops that registry and removes the directory.
CLEANUP=
CLEANUP_PID=
cleanup() {
  if alive "$CLEANUP_PID"; then kill -9 "$CLEANUP_PID" 2>/dev/null || true; fi
  if [ -n "$CLEANUP" ]; then rm -rf "$CLEANUP"; fi
}
trap cleanup EXIT

start() {
  case $FIRST_PORT in
    '' | *[!0-9]*) die "TETHER_REGISTRY_PORT must be a port number, not '$FIRST_PORT'" ;;
  esac
  install
  if alive "$(state_get pid)" && ready "$(state_get port)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its registry is gone
  local dir port pid=
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-registry-XXXXXX")
  CLEANUP=$dir
  port=$(free_port "$FIRST_PORT")
  # Another process may take the port between the check and the bind: retry
  # a few times on the next free port.
  for _ in 1 2 3; do
    write_config "$dir" "$port"
    if pid=$(launch "$dir" "$port"); then break; fi
    tail -n 5 "$dir/registry.log" >&2 || true
    pid=
    port=$(free_port $((port + 1)))
  done
  [ -n "$pid" ] || die "the registry did not start; see above"
  CLEANUP_PID=$pid
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$port" "$pid" >"$STATE"
  CLEANUP= CLEANUP_PID=
  echo "$dir/fixtures.json"
}

# halt stops the registry of the state file, if it runs. Its data is thrown
# away, so it is killed rather than shut down gracefully.
halt() {
  local pid
  pid=$(state_get pid)
  alive "$pid" || return 0
  kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    alive "$pid" || return 0
    sleep 0.05
  done
}

stop() {
  [ -f "$STATE" ] || return 0
  local dir
  dir=$(state_get dir)
  halt
  case "$dir" in
    */tether-registry-*) rm -rf "$dir" ;;
  esac
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
