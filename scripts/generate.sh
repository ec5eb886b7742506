#!/usr/bin/env bash
# Regenerates what is generated from the Kubernetes API types in
# api/v1alpha1: their deepcopy methods (zz_generated.deepcopy.go) and the
# CRDs the chart installs (charts/tether/crds). Run it after changing a
# type or a kubebuilder marker, and commit its outputs.
#
#   scripts/generate.sh          regenerate in place
#   scripts/generate.sh --check  regenerate into a temporary directory and
#                                fail if the committed files differ
#   scripts/generate.sh --fetch  only download and build controller-gen
#
# controller-gen is run at a pinned version through `go run`, which the Go
# module and build caches keep after the first run, so later runs work
# offline (GOPROXY=file://$(go env GOMODCACHE)/cache/download).
set -euo pipefail
cd "$(dirname "$0")/.."

controller_gen=sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0
types=api/v1alpha1
crds=charts/tether/crds

gen() { go run "$controller_gen" "$@"; }

case "${1:-}" in
"")
  rm -f "$crds"/*.yaml
  gen object crd paths="./$types/..." output:crd:dir="$crds"
  ;;
--check)
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  mkdir "$out/object" "$out/crds"
  gen object crd paths="./$types/..." output:object:dir="$out/object" output:crd:dir="$out/crds"
  if ! diff -u "$types/zz_generated.deepcopy.go" "$out/object/zz_generated.deepcopy.go" ||
    ! diff -ru "$crds" "$out/crds"; then
    echo "the generated files are stale: run ./scripts/generate.sh and commit its outputs" >&2
    exit 1
  fi
  ;;
--fetch)
  gen --version >/dev/null
  ;;
*)
  echo "usage: $0 [--check|--fetch]" >&2
  exit 2
  ;;
esac
