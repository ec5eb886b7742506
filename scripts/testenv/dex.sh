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
# restart, makes new signing keys: key rollover), and knows four users of the
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
NAME=dex.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEX_VERSION=v2.45.1
# The mirror knows v2.45.1 only by its pseudo-version (the tags lack /v2).
DEX_MODULE_VERSION=v0.0.0-20260303133905-11d2eeb52b42
DEX_API_VERSION=v2.4.0
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/dex-$DEX_VERSION
DEX_BIN=$CACHE/dex
FIRST_PORT=${TETHER_DEX_PORT:-5556}
STATE=${TETHER_DEX_STATE:-${TMPDIR:-/tmp}/tether-dex.state}

# build builds Dex into the cache unless it is there; a lock keeps two
# concurrent callers from building it twice.
build() {
  build_needed "$DEX_BIN" || return 0
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
  - email: carol@example.com
    username: carol
    userID: 9a7d3c21-carol
    # bcrypt of carol-test-password
    hash: "\$2a\$10\$8R9eTkNoZbCHftJ9mmbPh.ImkkbqfoRA8LvGz3GVcOofTExEUd/k2"
  - email: dave@example.com
    username: dave
    userID: 5e2b8f40-dave
    # bcrypt of dave-test-password
    hash: "\$2a\$10\$HTKhuWjacBy5knvmzV.ygupMH/f//oO2OJGx6KJ45iVKcnnFQeQXW"
  # Named "admin", like Tether's bootstrap admin once was: must not become it.
  - email: admin@example.com
    username: admin
    userID: 0b7e1c55-admin
    # bcrypt of admin-claim-test-password
    hash: "\$2a\$10\$JvWdkr33bBsoaa6.KG0BV.RVdK.A0KCfdOrA2oMoZrLaPFophatWG"
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
    {"email": "bob@example.com", "password": "bob-test-password", "username": "bob", "groups": []},
    {"email": "carol@example.com", "password": "carol-test-password", "username": "carol", "groups": []},
    {"email": "dave@example.com", "password": "dave-test-password", "username": "dave", "groups": []},
    {"email": "admin@example.com", "password": "admin-claim-test-password", "username": "admin", "groups": []}
  ]
}
EOF
}

# launch starts Dex with the configuration in $1, listening on port $2, and
# prints its process id once it serves its discovery document.
launch() {
  local dir=$1 port=$2
  setsid "$DEX_BIN" serve "$dir/config.yaml" >>"$dir/dex.log" 2>&1 </dev/null &
  await_ready $! 300 0.1 ready "$port"
}

start() {
  check_port TETHER_DEX_PORT
  build
  if alive "$(state_get pid)" && ready "$(state_get port)"; then
    state_get issuer
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-dex-XXXXXX")
  CLEANUP=$dir
  launch_retry "$dir/dex.log" Dex write_config launch "$dir"
  printf 'issuer=%s\ndir=%s\nport=%s\npid=%s\n' "http://127.0.0.1:$PORT/dex" "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "http://127.0.0.1:$PORT/dex"
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

# stop stops the server, if any, and removes its files and the state file.
stop() { stop_server '*/tether-dex-*'; }

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
