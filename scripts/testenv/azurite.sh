#!/usr/bin/env bash
# Installs, starts and stops a throwaway Azurite (the Azure Blob Storage
# emulator) for Tether's tests.
#
#   scripts/testenv/azurite.sh start     # prints its blob endpoint, http://127.0.0.1:PORT/devstoreaccount1
#   scripts/testenv/azurite.sh stop      # stops it and removes its files
#   scripts/testenv/azurite.sh install   # only installs (and caches) it
#
# Azurite is installed once per machine from the npm registry, with the
# versions pinned by scripts/testenv/azurite/package-lock.json (npm ci),
# into ${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/azurite-<version>;
# Node.js and npm come from Debian when missing.
#
# The blob service listens on 127.0.0.1 only (on $TETHER_AZURITE_PORT,
# default 10000, or the next free port), in plain HTTP, with its data in a
# fresh directory and telemetry off. Its one account is Azurite's
# well-known development account, devstoreaccount1, whose key is public
# (Azure's documentation gives it): it checks shared-key and SAS
# signatures for real. Its directory, port and process id are kept in a
# state file, $TETHER_AZURITE_STATE (default
# ${TMPDIR:-/tmp}/tether-azurite.state), so that `stop` finds it. Both
# subcommands are idempotent: `start` with a server already running prints
# its endpoint again; `stop` with none does nothing. Two callers that must
# not share a server use two state files.
set -euo pipefail
NAME=azurite.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AZURITE_VERSION=3.35.0
LOCK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/azurite" && pwd)
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/azurite-$AZURITE_VERSION
AZURITE_BIN=$CACHE/node_modules/.bin/azurite-blob
FIRST_PORT=${TETHER_AZURITE_PORT:-10000}
STATE=${TETHER_AZURITE_STATE:-${TMPDIR:-/tmp}/tether-azurite.state}
ACCOUNT=devstoreaccount1

# install installs Azurite into the cache unless it is there (and Node.js
# and npm from Debian when missing); a lock keeps two concurrent callers
# from installing it twice. Its packages' install scripts are not run.
install() {
  [ -x "$AZURITE_BIN" ] && return 0
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "node and npm are not installed; as root: apt-get install -y nodejs npm"
    log "installing nodejs and npm"
    apt_install nodejs npm
  fi
  { mkdir -p "$CACHE" && exec 9>"$CACHE/install.lock" && flock 9; } || die "cannot lock $CACHE/install.lock"
  if [ -x "$AZURITE_BIN" ]; then exec 9>&-; return 0; fi
  log "installing Azurite $AZURITE_VERSION from npm (about 1 min, once per machine)"
  cp "$LOCK_DIR/package.json" "$LOCK_DIR/package-lock.json" "$CACHE/"
  (cd "$CACHE" && npm ci --ignore-scripts --no-audit --no-fund --omit=dev) >"$CACHE/install.log" 2>&1 ||
    { tail -n 30 "$CACHE/install.log" >&2; rm -rf "$CACHE/node_modules"; die "installing Azurite failed"; }
  [ -x "$AZURITE_BIN" ] || die "npm installed no $AZURITE_BIN"
  exec 9>&-
}

# ready reports whether the blob service on port $1 answers HTTP (any
# status: a request without credentials gets 403).
ready() {
  local code
  [ -n "$1" ] || return 1
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://127.0.0.1:$1/$ACCOUNT?comp=list" 2>/dev/null) || return 1
  [ "$code" != 000 ]
}

# launch starts the blob service on port $2 with its data in directory $1,
# and prints its process id once it is ready.
launch() {
  local dir=$1 port=$2
  setsid "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$port" --disableTelemetry \
    --skipApiVersionCheck --location "$dir/data" --silent \
    >>"$dir/azurite.log" 2>&1 </dev/null &
  await_ready $! 300 0.2 ready "$port"
}

start() {
  check_port TETHER_AZURITE_PORT
  command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
  install
  if alive "$(state_get pid)" && ready "$(state_get port)"; then
    echo "http://127.0.0.1:$(state_get port)/$ACCOUNT"
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-azurite-XXXXXX")
  CLEANUP=$dir
  mkdir -p "$dir/data"
  launch_retry "$dir/azurite.log" Azurite : launch "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "http://127.0.0.1:$PORT/$ACCOUNT"
}

# stop stops the server, if any, and removes its files and the state file.
stop() { stop_server '*/tether-azurite-*'; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install ;;
  *) die "usage: $0 start|stop|install" ;;
esac
