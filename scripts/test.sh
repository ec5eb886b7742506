#!/usr/bin/env bash
# Installs what Tether's tests need and runs them all: formatting, vet,
# staticcheck, the unit/contract/end-to-end tests (with the race detector),
# and a short run of every fuzz target. Works on a fresh Debian machine with
# Go; everything else comes from the Go module proxy, or from Debian's
# packages (PostgreSQL, MariaDB, Redis, etcd, the Docker registry, sshd, through
# scripts/testenv/) and Azurite from npm. The first run builds
# kube-apiserver, Dex, MinIO and fake-gcs-server from the module proxy (20 to
# 40 min on 2 cores, then cached).
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2
# Fuzz budgets are execution counts, not durations: a duration-based
# -fuzztime races Go 1.26's fuzz coordinator (golang/go#75804) and can fail a
# run that found nothing.
FUZZ_EXECS=${FUZZ_EXECS:-200000}
GOBIN=$(go env GOPATH)/bin

step() { printf '\n== %s\n' "$*"; }

# cleanups are the commands run, last first, when this script exits: each
# service started below adds the one that stops it. One trap runs them all
# (a second `trap ... EXIT` would replace the first).
cleanups=()
run_cleanups() {
  local i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do
    eval "${cleanups[i]}" || true
  done
}
trap run_cleanups EXIT

# start_service SCRIPT NAME VAR STATE_VAR [VAR2=COMMAND]: unless
# TETHER_TEST_SKIP_NAME=1 skips its tests, or VAR is already set (and then
# used as is), starts scripts/testenv/SCRIPT.sh in a state file of its own
# (exported as STATE_VAR, so a service the developer started by hand is left
# alone), stops it when this script exits, and exports VAR as what "start"
# prints (and VAR2 as what COMMAND prints).
start_service() {
  local script=./scripts/testenv/$1.sh skip=TETHER_TEST_SKIP_$2 var=$3 value
  if [ "${!skip:-}" != 1 ] && [ -z "${!var:-}" ]; then
    export "$4=${TMPDIR:-/tmp}/tether-$1-test.$$.state"
    cleanups+=("$script stop")
    value=$("$script" start)
    export "$var=$value"
    if [ -n "${5:-}" ]; then
      value=$("$script" "${5#*=}")
      export "${5%%=*}=$value"
    fi
  fi
  echo "$var=${!var:-}"
}

# helm takes minutes to build the first time: build it while the rest of the
# set-up runs (see "install helm").
helm_pid=
if [ "${TETHER_TEST_SKIP_HELM:-}" != 1 ] && [ -z "${TETHER_TEST_HELM:-}" ]; then
  helm_out=$(mktemp)
  cleanups+=("rm -f $helm_out $helm_out.err")
  ./scripts/testenv/helm.sh install >"$helm_out" 2>"$helm_out.err" &
  helm_pid=$!
fi

step "install staticcheck $STATICCHECK_VERSION"
if ! "$GOBIN/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
"$GOBIN/staticcheck" ./...

# Each service below is a throwaway one, started only for this run (see
# start_service); the first run builds kube-apiserver, Dex and MinIO from the
# module proxy, cached under ~/.cache/tether-testenv.

step "start PostgreSQL"
# The PostgreSQL store's tests need a real server.
start_service postgres POSTGRES TETHER_TEST_POSTGRES_URL TETHER_PG_STATE

step "start the Kubernetes API server"
# The Kubernetes tests (service-account tokens checked with TokenReview,
# Secrets and PodDefaults) need a real kube-apiserver and etcd.
start_service kube KUBE TETHER_TEST_KUBECONFIG TETHER_KUBE_STATE

step "start Dex"
# The OIDC tests (token verification, "tether login") need a real OpenID
# Connect issuer with test users and clients. An issuer given in
# TETHER_TEST_DEX_ISSUER comes with its TETHER_TEST_DEX_FIXTURES.
start_service dex DEX TETHER_TEST_DEX_ISSUER TETHER_DEX_STATE TETHER_TEST_DEX_FIXTURES=fixtures

step "start MinIO"
# The s3 connection's real-tool tests (the AWS SDK configured only from a
# rendering) need a real S3 store, serving HTTPS with a certificate from a
# CA of its own, so that the caBundle parameter is what makes the SDK trust
# it.
start_service minio MINIO TETHER_TEST_MINIO TETHER_MINIO_STATE

step "start the Docker registry"
# The docker connection's real-tool tests (an image pushed with nothing but
# the rendered config.json) need a real registry that checks passwords:
# Debian's docker-registry package.
start_service registry REGISTRY TETHER_TEST_REGISTRY TETHER_REGISTRY_STATE

step "start sshd"
# The git connection's real-tool tests (git clone over SSH with only the
# rendered GIT_SSH_COMMAND, and the refusal of a wrongly pinned host key)
# need a real SSH server with a repository, for a system user `tethergit`
# (created if missing; this needs root, as in CI).
start_service sshd SSHD TETHER_TEST_SSHD TETHER_SSHD_STATE

step "start MariaDB"
# The mysql connection's real-tool test (Debian's mysql client with only
# the rendered variables, and a wrong password refused) needs a real
# MariaDB server that checks passwords.
start_service mariadb MARIADB TETHER_TEST_MARIADB TETHER_MARIADB_STATE

step "start Redis"
# The redis connection's real-tool test (redis-cli with only the rendered
# REDISCLI_AUTH, and with only REDIS_URL; a wrong password refused) needs a
# Redis server with requirepass.
start_service redis REDIS TETHER_TEST_REDIS TETHER_REDIS_STATE

step "start git-http-backend"
# The git connection's tests over HTTPS (git clone with only the rendered
# credential helper, refused for a wrong token, and the smart-HTTP probe)
# need a git server with basic auth: Debian's git-http-backend behind a
# lighttpd of its own.
start_service githttp GITHTTP TETHER_TEST_GITHTTP TETHER_GITHTTP_STATE

step "start fake-gcs-server"
# The gcs connection's test (the bucket's metadata read with a token minted
# from the service-account key) needs a Google Cloud Storage API: the
# emulator fake-gcs-server, built once from the module proxy. It checks no
# token; the test checks the token itself.
start_service gcs GCS TETHER_TEST_GCS TETHER_GCS_STATE

step "start Azurite"
# The azureblob connection's test (the container's properties read with a
# SAS) needs a blob service that checks SAS signatures: Azurite, installed
# once from npm with the versions of scripts/testenv/azurite/.
start_service azurite AZURITE TETHER_TEST_AZURITE TETHER_AZURITE_STATE

step "build the container image"
# The image tests (cmd/tether/image_test.go: the image run with podman and
# runc, read-only and as a non-root user, and pushed to the registry) need
# Debian's buildah, podman and runc, and the image built from this tree.
# The image is removed when this script exits: the vfs storage driver keeps
# a full copy of every layer. TETHER_TEST_SKIP_IMAGE=1 skips them; an image
# given in TETHER_TEST_IMAGE is used as is.
build_test_image() {
  if [ "${TETHER_TEST_SKIP_IMAGE:-}" = 1 ] || [ -n "${TETHER_TEST_IMAGE:-}" ]; then return 0; fi
  if ! command -v buildah >/dev/null || ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    (NAME=test.sh && . ./scripts/testenv/lib.sh && apt_install buildah podman runc)
  fi
  local image=localhost/tether:test-$$
  cleanups+=("./scripts/image.sh remove $image")
  ./scripts/image.sh build "$image" >/dev/null
  export TETHER_TEST_IMAGE=$image
}
build_test_image
echo "TETHER_TEST_IMAGE=${TETHER_TEST_IMAGE:-}"

step "install helm"
# The chart's tests (charts/tether) run helm lint and helm template with a
# helm v4 CLI built once from the module proxy (not a module dependency);
# the build started in the background at the top of this script.
if [ -n "$helm_pid" ]; then
  wait "$helm_pid" || { cat "$helm_out.err" >&2; exit 1; }
  TETHER_TEST_HELM=$(cat "$helm_out")
  export TETHER_TEST_HELM
fi
echo "TETHER_TEST_HELM=${TETHER_TEST_HELM:-}"

step "fetch controller-gen"
# api/v1alpha1's test checks the generated files with controller-gen run
# offline from the module cache; this puts it there (cached after once).
./scripts/generate.sh --fetch

step "go test"
go test -race -count=1 -timeout 20m ./...

step "fuzz ($FUZZ_EXECS executions each)"
while read -r pkg target; do
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZ_EXECS}x" -fuzzminimizetime 100x "$pkg"
done <<'TARGETS'
./internal/manifest FuzzDecode
./internal/conntype FuzzValidate
./internal/seal FuzzOpen
./internal/backup FuzzRead
TARGETS

step "all tests passed"
