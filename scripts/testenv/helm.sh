#!/usr/bin/env bash
# Builds (once) and prints the path of the helm CLI that the chart's tests
# run (helm lint, helm template).
#
#   scripts/testenv/helm.sh install   # prints the path of the helm binary
#
# helm v4 is built from the Go module proxy (about 4 min of CPU, once per
# machine) into
# ${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/helm-<version>/helm.
# It is a tool of the tests, not a dependency of the module: go.mod never
# requires it (its k8s.io modules would move Tether's).
set -euo pipefail
NAME=helm.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION=v4.3.2
CACHE=${TETHER_TESTENV_CACHE:-$HOME/.cache/tether-testenv}/helm-$HELM_VERSION
HELM_BIN=$CACHE/helm

# build builds helm into the cache unless it is there; a lock keeps two
# concurrent callers from building it twice.
build() {
  build_needed "$HELM_BIN" || return 0
  log "building helm $HELM_VERSION (about 4 min, once per machine)"
  local work started=$SECONDS
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  GOBIN=$work GOFLAGS=-buildvcs=false GOWORK=off go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log" >&2; rm -rf "$work"; die "building helm failed"; }
  mv "$work/helm" "$HELM_BIN"
  rm -rf "$work"
  log "built helm in $((SECONDS - started)) s"
  exec 9>&-
}

case "${1:-}" in
  install) build && echo "$HELM_BIN" ;;
  *) die "usage: $0 install" ;;
esac
