#!/usr/bin/env bash
# Builds, starts and stops a throwaway MinIO (S3-compatible store) for
# Tether's tests.
#
#   scripts/testenv/minio.sh start   # prints the path of its fixtures file
#   scripts/testenv/minio.sh stop    # stops it and removes its files
#   scripts/testenv/minio.sh build   # only builds (and caches) the binary
#
# MinIO is built once per machine from the Go module proxy (about 7 min),
# into ${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/minio-<version>/minio.
#
# The server listens on 127.0.0.1 (on $TETHER_MINIO_PORT, default 9000, or
# the next free port; MinIO adds the same port on every loopback address,
# ::1 too, and nothing else) and serves HTTPS only, with a certificate for the IP
# 127.0.0.1 signed by a throwaway CA made for this run: the S3 connection's
# caBundle parameter is tested against a server the system does not trust.
# Its root user and password are random for each run. They are fixtures, not
# secrets; the tests read them from the JSON file `start` prints:
#   {"endpoint": "https://127.0.0.1:PORT", "accessKey", "secretKey",
#    "caFile": "/path/ca.crt", "region": "us-east-1"}
# Its directory, port and process id are kept in a state file,
# $TETHER_MINIO_STATE (default ${TMPDIR:-/tmp}/tether-minio.state), so that
# `stop` finds it. Both subcommands are idempotent: `start` with a server
# already running prints its fixtures file again; `stop` with none does
# nothing. Two callers that must not share a server use two state files.
set -euo pipefail
NAME=minio.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/minio-$MINIO_VERSION
MINIO_BIN=$CACHE/minio
FIRST_PORT=${TETHER_MINIO_PORT:-9000}
STATE=${TETHER_MINIO_STATE:-${TMPDIR:-/tmp}/tether-minio.state}
REGION=us-east-1

# install installs Debian package $2 when command $1 is missing.
install() {
  command -v "$1" >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "$1 is not installed; as root: apt-get install -y $2"
  log "installing $2"
  apt_install "$2"
  command -v "$1" >/dev/null || die "$2 installed no $1"
}

# build builds MinIO into the cache unless it is there; a lock keeps two
# concurrent callers from building it twice.
build() {
  build_needed "$MINIO_BIN" || return 0
  log "building MinIO $MINIO_VERSION (about 7 min, once per machine)"
  local work
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  GOBIN=$work go install "github.com/minio/minio@$MINIO_VERSION" >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log" >&2; rm -rf "$work"; die "building MinIO failed"; }
  mv "$work/minio" "$MINIO_BIN"
  rm -rf "$work"
  exec 9>&-
}

# ready reports whether the server in directory $1 on port $2 says it is
# ready, over TLS checked against the run's CA.
ready() {
  [ -n "$1" ] && [ -n "$2" ] || return 1
  curl -fsS -o /dev/null --max-time 2 --cacert "$1/ca.crt" \
    "https://127.0.0.1:$2/minio/health/ready" 2>/dev/null
}

# make_certs writes into directory $1 a throwaway CA (ca.crt; its key is
# deleted once used) and, in $1/certs as MinIO expects them, a server
# certificate for IP 127.0.0.1 (public.crt) and its key (private.key).
make_certs() {
  local dir=$1
  mkdir -p "$dir/certs"
  (
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout ca.key -out ca.crt -days 2 -subj "/CN=Tether test MinIO CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout certs/private.key -out server.csr -subj "/CN=127.0.0.1"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1" >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 2 -extfile server.ext -out certs/public.crt
    rm -f ca.key ca.srl server.csr server.ext
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; die "making the TLS certificates failed"; }
}

# write_fixtures writes the fixtures file of the server in $1 on port $2,
# root user $3 and password $4.
write_fixtures() {
  cat >"$1/fixtures.json" <<EOF
{
  "endpoint": "https://127.0.0.1:$2",
  "accessKey": "$3",
  "secretKey": "$4",
  "caFile": "$1/ca.crt",
  "region": "$REGION"
}
EOF
}

# launch starts MinIO in directory $1 on port $2 with root user $3 and
# password $4 (in its environment, not its arguments), and prints its
# process id once it is ready.
launch() {
  local dir=$1 port=$2
  MINIO_ROOT_USER=$3 MINIO_ROOT_PASSWORD=$4 MINIO_BROWSER=off MINIO_UPDATE=off \
    MINIO_CALLHOME_ENABLE=off \
    setsid "$MINIO_BIN" server "$dir/data" --address "127.0.0.1:$port" \
    --certs-dir "$dir/certs" --quiet >>"$dir/minio.log" 2>&1 </dev/null &
  await_ready $! 300 0.2 ready "$dir" "$port"
}

start() {
  check_port TETHER_MINIO_PORT
  install openssl openssl
  install curl curl
  build
  if alive "$(state_get pid)" && ready "$(state_get dir)" "$(state_get port)"; then
    echo "$(state_get dir)/fixtures.json"
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir user password
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-minio-XXXXXX")
  CLEANUP=$dir
  make_certs "$dir"
  user=tether-$(openssl rand -hex 6)
  password=$(openssl rand -hex 20)
  launch_retry "$dir/minio.log" MinIO : launch "$dir" "$user" "$password"
  write_fixtures "$dir" "$PORT" "$user" "$password"
  printf 'dir=%s\nport=%s\npid=%s\n' "$dir" "$PORT" "$PID" >"$STATE"
  CLEANUP='' CLEANUP_PID=''
  echo "$dir/fixtures.json"
}

# stop stops the server, if any, and removes its files and the state file.
stop() { stop_server '*/tether-minio-*'; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  build) build ;;
  *) die "usage: $0 start|stop|build" ;;
esac
