#!/usr/bin/env bash
# Installs what Tether's tests need and runs them all: formatting, vet,
# staticcheck, the unit/contract/end-to-end tests (with the race detector),
# and a short run of every fuzz target. Works on a fresh Debian machine with
# Go; everything else comes from the Go module proxy, or from Debian's
# packages (PostgreSQL, etcd, the Docker registry, sshd, through
# scripts/testenv/). The first run builds kube-apiserver and MinIO from the
# module proxy (~7 min each, then cached).
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

step "start PostgreSQL"
# The PostgreSQL store's tests need a real server: a throwaway one, in its
# own state file so a server the developer started by hand is left alone,
# stopped when this script exits. A URL already in the environment is used
# as is; TETHER_TEST_SKIP_POSTGRES=1 skips those tests instead.
if [ "${TETHER_TEST_SKIP_POSTGRES:-}" != 1 ] && [ -z "${TETHER_TEST_POSTGRES_URL:-}" ]; then
  export TETHER_PG_STATE="${TMPDIR:-/tmp}/tether-pg-test.$$.state"
  cleanups+=('./scripts/testenv/postgres.sh stop')
  TETHER_TEST_POSTGRES_URL=$(./scripts/testenv/postgres.sh start)
  export TETHER_TEST_POSTGRES_URL
fi
echo "TETHER_TEST_POSTGRES_URL=${TETHER_TEST_POSTGRES_URL:-}"

step "start the Kubernetes API server"
# The Kubernetes tests (service-account tokens checked with TokenReview)
# need a real kube-apiserver and etcd: a throwaway pair, in its own state
# file, stopped when this script exits. The first run builds kube-apiserver
# (minutes; cached under ~/.cache/tether-testenv). A kubeconfig already in
# TETHER_TEST_KUBECONFIG is used as is; TETHER_TEST_SKIP_KUBE=1 skips those
# tests instead.
if [ "${TETHER_TEST_SKIP_KUBE:-}" != 1 ] && [ -z "${TETHER_TEST_KUBECONFIG:-}" ]; then
  export TETHER_KUBE_STATE="${TMPDIR:-/tmp}/tether-kube-test.$$.state"
  cleanups+=('./scripts/testenv/kube.sh stop')
  TETHER_TEST_KUBECONFIG=$(./scripts/testenv/kube.sh start)
  export TETHER_TEST_KUBECONFIG
fi
echo "TETHER_TEST_KUBECONFIG=${TETHER_TEST_KUBECONFIG:-}"

step "start Dex"
# The OIDC tests (token verification, "tether login") need a real OpenID
# Connect issuer: a throwaway Dex with test users and clients, in its own
# state file, stopped when this script exits. The first run builds Dex
# (about 2-6 min; cached under ~/.cache/tether-testenv). An issuer already in
# TETHER_TEST_DEX_ISSUER (with its TETHER_TEST_DEX_FIXTURES) is used as is;
# TETHER_TEST_SKIP_DEX=1 skips those tests instead.
if [ "${TETHER_TEST_SKIP_DEX:-}" != 1 ] && [ -z "${TETHER_TEST_DEX_ISSUER:-}" ]; then
  export TETHER_DEX_STATE="${TMPDIR:-/tmp}/tether-dex-test.$$.state"
  cleanups+=('./scripts/testenv/dex.sh stop')
  TETHER_TEST_DEX_ISSUER=$(./scripts/testenv/dex.sh start)
  TETHER_TEST_DEX_FIXTURES=$(./scripts/testenv/dex.sh fixtures)
  export TETHER_TEST_DEX_ISSUER TETHER_TEST_DEX_FIXTURES
fi
echo "TETHER_TEST_DEX_ISSUER=${TETHER_TEST_DEX_ISSUER:-}"

step "start MinIO"
# The s3 connection's real-tool tests (the AWS SDK configured only from a
# rendering) need a real S3 store: a throwaway MinIO serving HTTPS with a
# certificate from a CA of its own, so that the caBundle parameter is what
# makes the SDK trust it; in its own state file, stopped when this script
# exits. The first run builds MinIO (about 7 min; cached under
# ~/.cache/tether-testenv). A fixtures file already in TETHER_TEST_MINIO is
# used as is; TETHER_TEST_SKIP_MINIO=1 skips those tests instead.
if [ "${TETHER_TEST_SKIP_MINIO:-}" != 1 ] && [ -z "${TETHER_TEST_MINIO:-}" ]; then
  export TETHER_MINIO_STATE="${TMPDIR:-/tmp}/tether-minio-test.$$.state"
  cleanups+=('./scripts/testenv/minio.sh stop')
  TETHER_TEST_MINIO=$(./scripts/testenv/minio.sh start)
  export TETHER_TEST_MINIO
fi
echo "TETHER_TEST_MINIO=${TETHER_TEST_MINIO:-}"

step "start the Docker registry"
# The docker connection's real-tool tests (an image pushed with nothing but
# the rendered config.json) need a real registry that checks passwords: a
# throwaway one from Debian's docker-registry package, in its own state
# file, stopped when this script exits. A fixtures file already in
# TETHER_TEST_REGISTRY is used as is; TETHER_TEST_SKIP_REGISTRY=1 skips
# those tests instead.
if [ "${TETHER_TEST_SKIP_REGISTRY:-}" != 1 ] && [ -z "${TETHER_TEST_REGISTRY:-}" ]; then
  export TETHER_REGISTRY_STATE="${TMPDIR:-/tmp}/tether-registry-test.$$.state"
  cleanups+=('./scripts/testenv/registry.sh stop')
  TETHER_TEST_REGISTRY=$(./scripts/testenv/registry.sh start)
  export TETHER_TEST_REGISTRY
fi
echo "TETHER_TEST_REGISTRY=${TETHER_TEST_REGISTRY:-}"

step "start sshd"
# The git connection's real-tool tests (git clone over SSH with only the
# rendered GIT_SSH_COMMAND, and the refusal of a wrongly pinned host key)
# need a real SSH server with a repository: a throwaway sshd for a system
# user `tethergit` (created if missing; this needs root, as in CI), in its
# own state file, stopped when this script exits. A fixtures file already in
# TETHER_TEST_SSHD is used as is; TETHER_TEST_SKIP_SSHD=1 skips those tests
# instead.
if [ "${TETHER_TEST_SKIP_SSHD:-}" != 1 ] && [ -z "${TETHER_TEST_SSHD:-}" ]; then
  export TETHER_SSHD_STATE="${TMPDIR:-/tmp}/tether-sshd-test.$$.state"
  cleanups+=('./scripts/testenv/sshd.sh stop')
  TETHER_TEST_SSHD=$(./scripts/testenv/sshd.sh start)
  export TETHER_TEST_SSHD
fi
echo "TETHER_TEST_SSHD=${TETHER_TEST_SSHD:-}"

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
