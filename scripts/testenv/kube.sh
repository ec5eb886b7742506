#!/usr/bin/env bash
# Starts and stops a throwaway Kubernetes API server (kube-apiserver + etcd,
# and kube-controller-manager's garbage collector) for Tether's tests.
#
#   scripts/testenv/kube.sh start   # prints the path of an admin kubeconfig
#   scripts/testenv/kube.sh stop    # stops it and removes its files
#   scripts/testenv/kube.sh build   # only builds (and caches) the binaries
#
# There are no nodes or scheduler, and of the controllers only the garbage
# collector, which removes the objects whose owner is deleted (what a
# ConnectionSync delivered goes with it): the API server is all that
# TokenRequest, TokenReview and the API objects need. Namespaces being
# deleted stay Terminating (no namespace controller). The processes listen
# on 127.0.0.1 only, on free ports (the controller manager serves nothing).
# The API server:
#   - serves TLS with a certificate from a throwaway CA (ca.crt, named by
#     the kubeconfig);
#   - issues and verifies service-account tokens with issuer $KUBE_ISSUER
#     and a fresh RSA key, $dir/pki/sa.key (tests that need a token the
#     server itself would sign, e.g. an expired one, read it from beside
#     the kubeconfig);
#   - authorises with RBAC; the kubeconfig's user, tether-test-admin, is a
#     static token in group system:masters. The token is in a file the
#     kubeconfig names (tokenFile), never on a command line.
#
# kube-apiserver and kube-controller-manager are built from the
# k8s.io/kubernetes module (the only way here: setup-envtest cannot
# download its binaries), once, into
# $HOME/.cache/tether-testenv/kube-apiserver-$KUBE_VERSION; the build takes
# minutes, ~3.4 GB of disk and ~2 GB of memory. etcd comes from Debian's
# etcd-server package. As root, missing packages are installed.
#
# TETHER_KUBE_PROFILING=true serves Go's profiles at /debug/pprof to the
# admin, for benchmarks.
#
# Like postgres.sh: state in $TETHER_KUBE_STATE (default
# ${TMPDIR:-/tmp}/tether-kube.state); `start` with a server running prints
# its kubeconfig again; `stop` with none does nothing.
set -euo pipefail
NAME=kube.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBE_VERSION=v1.34.4
STAGING_VERSION=v0.${KUBE_VERSION#v1.} # k8s.io/api etc. are v0.MINOR.PATCH
KUBE_ISSUER=https://kubernetes.default.svc
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/kube-apiserver-$KUBE_VERSION
APISERVER=$CACHE/kube-apiserver
MANAGER=$CACHE/kube-controller-manager
STATE=${TETHER_KUBE_STATE:-${TMPDIR:-/tmp}/tether-kube.state}
FIRST_PORT=${TETHER_KUBE_PORT:-56443}

# install_packages installs etcd, openssl and curl when missing.
install_packages() {
  local missing=()
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; as root: apt-get install -y ${missing[*]}"
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
  command -v etcd >/dev/null || die "etcd-server installed no etcd"
}

# build_kube builds kube-apiserver and kube-controller-manager into the
# cache, those that are not there. It builds in a throwaway module under
# the cache (never in the repository) that requires k8s.io/kubernetes and
# replaces each of its ./staging modules by the published one; the version
# ldflags are what clients check. The controller manager is built last: a
# run that waited for another's build finds both once it is there.
build_kube() {
  build_needed "$MANAGER" || return 0
  local missing=() b
  for b in "$APISERVER" "$MANAGER"; do [ -x "$b" ] || missing+=("$(basename "$b")"); done
  log "building ${missing[*]} $KUBE_VERSION into $CACHE (takes minutes, once)"
  local mod=$CACHE/build started=$SECONDS
  rm -rf "$mod" && mkdir -p "$mod"
  (
    cd "$mod"
    export GOFLAGS=-buildvcs=false GOCACHE=$CACHE/gocache GOWORK=off
    go mod init tether-testenv/kube-apiserver 2>/dev/null
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    [ -f "$gomod" ] || die "cannot download k8s.io/kubernetes@$KUBE_VERSION"
    go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\1#p' "$gomod" | while read -r m; do
      go mod edit -replace="$m=$m@$STAGING_VERSION"
    done
    printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n)\n' >tools.go
    go mod tidy >&2
    for b in "${missing[@]}"; do
      go build -o "$b" -ldflags "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
        -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${STAGING_VERSION#v0.} \
        -X k8s.io/component-base/version.gitTreeState=clean" "k8s.io/kubernetes/cmd/$b" >&2
    done
  ) || die "building ${missing[*]} failed (the Go build cache, $CACHE/gocache, is kept for a retry)"
  for b in "${missing[@]}"; do mv "$mod/$b" "$CACHE/$b"; done
  rm -rf "$mod" "$CACHE/gocache" # the binaries are all that is reused
  log "built ${missing[*]} in $((SECONDS - started)) s"
  exec 9>&-
}

# ready reports whether the API server in directory $1 on port $2 is ready.
ready() {
  curl -fsS --max-time 2 --cacert "$1/pki/ca.crt" "https://127.0.0.1:$2/readyz" >/dev/null 2>&1
}

# running reports whether the server of the state file is up.
running() {
  local dir
  dir=$(state_get dir)
  [ -n "$dir" ] && alive "$(state_get apiserver_pid)" "$dir" && alive "$(state_get manager_pid)" "$dir" &&
    ready "$dir" "$(state_get port)"
}

# make_pki writes, under $1/pki, a CA, the API server's serving certificate
# for 127.0.0.1, the service-account signing key, and the admin's token
# (from openssl's stdout into files: never on a command line).
make_pki() {
  local pki=$1/pki tok
  mkdir -m 700 "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj /CN=tether-test-ca -keyout ca.key -out ca.crt
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj /CN=kube-apiserver -keyout serving.key -out serving.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >serving.ext
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile serving.ext -out serving.crt
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
    openssl pkey -in sa.key -pubout -out sa.pub
  ) >"$1/openssl.log" 2>&1 || { cat "$1/openssl.log" >&2; die "openssl failed"; }
  tok=$(openssl rand -hex 32)
  printf '%s\n' "$tok" >"$1/admin.token"
  printf '%s,tether-test-admin,tether-test-admin,"system:masters"\n' "$tok" >"$pki/tokens.csv"
  chmod 600 "$1/admin.token" "$pki/tokens.csv"
}

# write_kubeconfig writes $1/kubeconfig for the admin, for port $2.
write_kubeconfig() {
  cat >"$1/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: tether-test
  cluster:
    server: https://127.0.0.1:$2
    certificate-authority: $1/pki/ca.crt
users:
- name: tether-test-admin
  user:
    tokenFile: $1/admin.token
contexts:
- name: tether-test
  context: {cluster: tether-test, user: tether-test-admin}
current-context: tether-test
EOF
  chmod 600 "$1/kubeconfig"
}

# launch starts etcd and the API server in directory $1 and waits until the
# API server is ready; it records their pids and ports in $1/launch. The
# controller manager is started once the kubeconfig is written (manage).
launch() {
  local dir=$1 etcd_port peer_port port etcd_pid apiserver_pid
  etcd_port=$(free_port 52379)
  peer_port=$(free_port $((etcd_port + 1)))
  rm -rf "$dir/etcd"
  etcd --name default --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" </dev/null >"$dir/etcd.log" 2>&1 &
  etcd_pid=$!
  printf 'etcd_pid=%s\n' "$etcd_pid" >"$dir/launch"
  port=$(free_port "$FIRST_PORT")
  "$APISERVER" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
    --cert-dir="$dir/pki" --tls-cert-file="$dir/pki/serving.crt" --tls-private-key-file="$dir/pki/serving.key" \
    --service-account-issuer="$KUBE_ISSUER" --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --authorization-mode=RBAC --token-auth-file="$dir/pki/tokens.csv" \
    --service-cluster-ip-range=10.96.0.0/24 --endpoint-reconciler-type=none \
    --profiling="${TETHER_KUBE_PROFILING:-false}" </dev/null >"$dir/kube-apiserver.log" 2>&1 &
  apiserver_pid=$!
  printf 'apiserver_pid=%s\nport=%s\n' "$apiserver_pid" "$port" >>"$dir/launch"
  for _ in $(seq 240); do
    if ready "$dir" "$port"; then return 0; fi
    alive "$apiserver_pid" "$dir" && alive "$etcd_pid" "$dir" || break
    sleep 0.25
  done
  tail -n 5 "$dir/etcd.log" "$dir/kube-apiserver.log" >&2 || true
  halt_dir "$dir"
  return 1
}

# manage starts kube-controller-manager with only the garbage collector,
# as the admin of the API server of directory $1, and records its pid. It
# serves no port (--secure-port=0), and elects no leader. Its client is not
# held to the default 20 requests a second, at which the 10,000 Secrets of
# a benchmark's syncs take minutes to collect, and the tests' wait. The collector
# finds the API's kinds, CRDs included, by discovery every 30 s.
manage() {
  local dir=$1 pid
  "$MANAGER" --kubeconfig="$dir/kubeconfig" --controllers=garbagecollector \
    --leader-elect=false --secure-port=0 --kube-api-qps=1000 --kube-api-burst=1000 </dev/null >"$dir/kube-controller-manager.log" 2>&1 &
  pid=$!
  printf 'manager_pid=%s\n' "$pid" >>"$dir/launch"
  sleep 0.5
  alive "$pid" "$dir" || { tail -n 5 "$dir/kube-controller-manager.log" >&2; die "kube-controller-manager did not start"; }
}

# halt_dir stops the processes launched in directory $1: the controller
# manager, the API server
# with SIGKILL (on SIGTERM it waits over 30 s once etcd is gone, and it
# holds nothing worth a clean shutdown), then etcd, which stops at once.
# lib.sh's EXIT trap calls it too, for a server being set up when start
# fails.
halt_dir() {
  local pid
  pid=$(sed -n 's/^manager_pid=//p' "$1/launch" 2>/dev/null)
  if alive "$pid" "$1"; then kill -KILL "$pid" 2>/dev/null || true; fi
  pid=$(sed -n 's/^apiserver_pid=//p' "$1/launch" 2>/dev/null)
  if alive "$pid" "$1"; then kill -KILL "$pid" 2>/dev/null || true; fi
  pid=$(sed -n 's/^etcd_pid=//p' "$1/launch" 2>/dev/null)
  if alive "$pid" "$1"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" "$1" || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

start() {
  check_port TETHER_KUBE_PORT
  install_packages
  build_kube
  if running; then
    state_get kubeconfig
    return 0
  fi
  stop # a stale state file: its server is gone
  local dir started=$SECONDS
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tether-kube-XXXXXX")
  CLEANUP=$dir
  make_pki "$dir"
  # Another process may take a port between the check and the bind: retry
  # a few times.
  for attempt in 1 2 3; do
    if launch "$dir"; then break; fi
    [ "$attempt" -lt 3 ] || die "the API server did not start; see its log above"
  done
  write_kubeconfig "$dir" "$(sed -n 's/^port=//p' "$dir/launch")"
  manage "$dir"
  { printf 'kubeconfig=%s\ndir=%s\n' "$dir/kubeconfig" "$dir"; cat "$dir/launch"; } >"$STATE"
  CLEANUP=
  log "kube-apiserver ready in $((SECONDS - started)) s"
  echo "$dir/kubeconfig"
}

stop() {
  [ -f "$STATE" ] || return 0
  local dir
  dir=$(state_get dir)
  case "$dir" in
    */tether-kube-*)
      halt_dir "$dir"
      rm -rf "$dir"
      ;;
  esac
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  build) install_packages && build_kube ;;
  *) die "usage: $0 start|stop|build" ;;
esac
