#!/usr/bin/env bash
# Builds, starts and stops a throwaway Dex (OIDC provider) for Tether's tests.
#
#   scripts/testenv/dex.sh start     # prints the issuer URL on stdout
#   scripts/testenv/dex.sh fixtures  # prints the path of its fixtures file
#   scripts/testenv/dex.sh restart   # same port and users, new signing keys
#   scripts/testenv/dex.sh stop      # stops it and removes its files
#   scripts/testenv/dex.sh build     # only builds (and caches) the binary
#
# Dex is built once per machine from the Go module proxy (its module path has
# no /v2 and its go.mod has a replace, so `go install` cannot build it: a
# throwaway module importing its command can), into
# ${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/dex-<version>/dex.
#
# The server listens on 127.0.0.1 only (on $TETHER_DEX_PORT, default 5556, or
# the next free port), keeps everything in memory (so each start, and each
# restart, makes new signing keys: key rollover), and knows two users of the
# built-in password database and two clients. They are fixtures, not
# secrets; the tests read them from the JSON file `fixtures` prints:
#   {"issuer", "binary",
#    "publicClient": {"id"},                  device flow, loopback redirects
#    "otherClient": {"id", "secret"},         a confidential client
#    "users": [{"email", "password", "username", "groups"}]}
# Its URL, directory and process id are kept in a state file,
# $TETHER_DEX_STATE (default ${TMPDIR:-/tmp}/tether-dex.state), so that
# `stop` finds it. `start` with a server already running prints its issuer
# again; `stop` with none does nothing. Two callers that must not share a
# server use two state files.
set -euo pipefail

DEX_VERSION=v2.45.1
# The mirror knows v2.45.1 only by its pseudo-version (the tags lack /v2).
DEX_MODULE_VERSION=v0.0.0-20260303133905-11d2eeb52b42
DEX_API_VERSION=v2.4.0
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/dex-$DEX_VERSION
DEX_BIN=$CACHE/dex
FIRST_PORT=${TETHER_DEX_PORT:-5556}
STATE=${TETHER_DEX_STATE:-${TMPDIR:-/tmp}/tether-dex.state}

log() { printf 'dex.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# build builds Dex into the cache unless it is there; a lock keeps two
# concurrent callers from building it twice.
build() {
  [ -x "$DEX_BIN" ] && return 0
  command -v go >/dev/null || die "go is not installed"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/build.lock"
  flock 9
  if [ -x "$DEX_BIN" ]; then exec 9>&-; return 0; fi
  log "building Dex $DEX_VERSION (about 1.5 min, once per machine)"
  local work
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  (
    cd "$work"
    printf 'module tether-testenv/dex\n\ngo 1.26\n' >go.mod
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/dexidp/dex/cmd/dex"\n' >tools.go
    go mod edit -require="github.com/dexidp/dex@$DEX_MODULE_VERSION" \
      -require="github.com/dexidp/dex/api/v2@$DEX_API_VERSION"
    GOFLAGS=-mod=mod go mod tidy
    GOFLAGS=-mod=mod go build -o dex.new github.com/dexidp/dex/cmd/dex
  ) >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; rm -rf "$work"; die "building Dex failed"; }
  mv "$work/dex.new" "$DEX_BIN"
  rm -rf "$work"
  exec 9>&-
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

# ready reports whether the issuer on port $1 serves its discovery document.
ready() {
  local line
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /dex/.well-known/openid-configuration HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3
    read -r line <&3
    case $line in *" 200 "*) exit 0 ;; *) exit 1 ;; esac
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

# write_config writes Dex's configuration for port $2 into directory $1.
write_config() {
  local dir=$1 port=$2
  cat >"$dir/config.yaml" <<EOF
issuer: http://127.0.0.1:$port/dex
storage:
  type: memory
web:
  http: 127.0.0.1:$port
logger:
  level: info
oauth2:
  passwordConnector: local
  skipApprovalScreen: true
  grantTypes: [password, authorization_code, refresh_token, "urn:ietf:params:oauth:grant-type:device_code"]
expiry:
  idTokens: 1h
  deviceRequests: 5m
enablePasswordDB: true
staticPasswords:
  - email: alice@example.com
    username: alice
    userID: 3f1f6b4e-alice
    groups: [ml-team, admins]
    # bcrypt of alice-test-password
    hash: "\$2a\$10\$BhBO.MTAouOJjVbzFZLbnOfKUWoKqatp87LmrNPlH9CtCYCfx..ca"
  - email: bob@example.com
    username: bob
    userID: 6c0e2d9a-bob
    # bcrypt of bob-test-password
    hash: "\$2a\$10\$bgRDTNgDDF6sG6MZ7JlgUOF.eADHo8PR0gNuZqtOdpAUzyFPnhbs2"
staticClients:
  - id: tether-cli
    name: Tether CLI
    public: true
  - id: other-app
    name: Another application
    secret: other-app-test-secret
    redirectURIs: [http://127.0.0.1:5555/callback]
EOF
  cat >"$dir/fixtures.json" <<EOF
{
  "issuer": "http://127.0.0.1:$port/dex",
  "binary": "$DEX_BIN",
  "publicClient": {"id": "tether-cli"},
  "otherClient": {"id": "other-app", "secret": "other-app-test-secret"},
  "users": [
    {"email": "alice@example.com", "password": "alice-test-password", "username": "alice", "groups": ["ml-team", "admins"]},
    {"email": "bob@example.com", "password": "bob-test-password", "username": "bob", "groups": []}
  ]
}
EOF
}

# launch starts Dex with the configuration in $1, listening on port $2, and
# prints its process id once it serves its discovery document.
launch() {
  local dir=$1 port=$2 pid
  setsid "$DEX_BIN" serve "$dir/config.yaml" >>"$dir/dex.log" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 300); do
    if ready "$port"; then echo "$pid"; return 0; fi
    alive "$pid" || return 1
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  return 1
}

# CLEANUP is the directory of a server being set up; if start fails, the
# EXIT trap stops that server and removes the directory.
CLEANUP=
CLEANUP_PID=
cleanup() {
  if alive "$CLEANUP_PID"; then kill -9 "$CLEANUP_PID" 2>/dev/null || true; fi
  if [ -n "$CLEANUP" ]; then rm -rf "$CLEANUP"; fi
}
trap cleanup EXIT

start() {
  case $FIRST_PORT in
    '' | *[!0-9]*) die "TETHER_DEX_PORT must be a port number, not '$FIRST_PORT'" ;;
  esac
  build
  if alive "$(state_get pid)" && ready "$(state_get port)"; then
    state_get issuer
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir port pid=
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-dex-XXXXXX")
  CLEANUP=$dir
  port=$(free_port "$FIRST_PORT")
  # Another process may take the port between the check and the bind: retry
  # a few times on the next free port.
  for _ in 1 2 3; do
    write_config "$dir" "$port"
    if pid=$(launch "$dir" "$port"); then break; fi
    tail -n 5 "$dir/dex.log" >&2 || true
    pid=
    port=$(free_port $((port + 1)))
  done
  [ -n "$pid" ] || die "Dex did not start; see above"
  CLEANUP_PID=$pid
  printf 'issuer=%s\ndir=%s\nport=%s\npid=%s\n' "http://127.0.0.1:$port/dex" "$dir" "$port" "$pid" >"$STATE"
  CLEANUP= CLEANUP_PID=
  echo "http://127.0.0.1:$port/dex"
}

# halt stops the server of the state file, if it runs. It keeps nothing
# worth a graceful shutdown (which takes Dex 1.5 s), so it is killed.
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

# restart stops the server and starts it again on the same port with the
# same configuration: in-memory storage gives it new signing keys.
restart() {
  local dir port pid
  dir=$(state_get dir)
  port=$(state_get port)
  [ -n "$dir" ] && [ -f "$dir/config.yaml" ] || die "no server to restart (state file $STATE)"
  halt
  for _ in $(seq 50); do
    port_free "$port" && break
    sleep 0.1
  done
  pid=$(launch "$dir" "$port") || { tail -n 5 "$dir/dex.log" >&2; die "Dex did not restart on port $port"; }
  printf 'issuer=%s\ndir=%s\nport=%s\npid=%s\n' "$(state_get issuer)" "$dir" "$port" "$pid" >"$STATE"
  state_get issuer
}

stop() {
  [ -f "$STATE" ] || return 0
  local dir
  dir=$(state_get dir)
  halt
  case "$dir" in
    */tether-dex-*) rm -rf "$dir" ;;
  esac
  rm -f "$STATE"
}

fixtures() {
  local dir
  dir=$(state_get dir)
  [ -n "$dir" ] && [ -f "$dir/fixtures.json" ] || die "no server started (state file $STATE)"
  echo "$dir/fixtures.json"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  fixtures) fixtures ;;
  build) build ;;
  *) die "usage: $0 start|stop|restart|fixtures|build" ;;
esac
