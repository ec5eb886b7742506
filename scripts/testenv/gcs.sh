#!/usr/bin/env bash
# Builds, starts and stops a throwaway fake-gcs-server (a Google Cloud
# Storage emulator) for Tether's tests.
#
#   scripts/testenv/gcs.sh start   # prints its endpoint, http://127.0.0.1:PORT
#   scripts/testenv/gcs.sh stop    # stops it and removes its files
#   scripts/testenv/gcs.sh build   # only builds (and caches) the binary
#
# fake-gcs-server is built once per machine from the Go module proxy (about
# 3 min), into
# ${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/fake-gcs-server-<version>/fake-gcs-server.
#
# The server listens on 127.0.0.1 only (on $TETHER_GCS_PORT, default 4443, or
# the next free port), serves the JSON API in plain HTTP and keeps its
# buckets in memory. It checks no credential: the tests that use it check
# the token they send themselves. Its directory (log), port and process id
# are kept in a state file, $TETHER_GCS_STATE (default
# ${TMPDIR:-/tmp}/tether-gcs.state), so that `stop` finds it. Both
# subcommands are idempotent: `start` with a server already running prints
# its endpoint again; `stop` with none does nothing. Two callers that must
# not share a server use two state files.
set -euo pipefail
NAME=gcs.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GCS_VERSION=v1.56.1
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/fake-gcs-server-$GCS_VERSION
GCS_BIN=$CACHE/fake-gcs-server
FIRST_PORT=${TETHER_GCS_PORT:-4443}
STATE=${TETHER_GCS_STATE:-${TMPDIR:-/tmp}/tether-gcs.state}

# build builds fake-gcs-server into the cache unless it is there; a lock
# keeps two concurrent callers from building it twice.
build() {
  build_needed "$GCS_BIN" || return 0
  log "building fake-gcs-server $GCS_VERSION (about 3 min, once per machine)"
  local work
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  GOBIN=$work go install "github.com/fsouza/fake-gcs-server@$GCS_VERSION" >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log" >&2; rm -rf "$work"; die "building fake-gcs-server failed"; }
  mv "$work/fake-gcs-server" "$GCS_BIN"
  rm -rf "$work"
  exec 9>&-
}

# ready reports whether the server on port $1 lists its buckets.
ready() {
  [ -n "$1" ] || return 1
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/storage/v1/b" 2>/dev/null
}

# launch starts the server on port $2, logging into directory $1, and
# prints its process id once it is ready.
launch() {
  local dir=$1 port=$2
  setsid "$GCS_BIN" -host 127.0.0.1 -port "$port" -scheme http -backend memory \
    -log-level warn >>"$dir/gcs.log" 2>&1 </dev/null &
  await_ready $! 300 0.1 ready "$port"
}

start() {
  check_port TETHER_GCS_PORT
  command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
  build
  if alive "$(state_get pid)" "$GCS_BIN" && ready "$(state_get port)"; then
    echo "http://127.0.0.1:$(state_get port)"
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-gcs-XXXXXX")
  CLEANUP=$dir
  launch_retry "$dir/gcs.log" fake-gcs-server : launch "$dir"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "http://127.0.0.1:$PORT"
}

# stop stops the server, if any, and removes its files and the state file.
stop() { stop_server '*/tether-gcs-*'; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  build) build ;;
  *) die "usage: $0 start|stop|build" ;;
esac
