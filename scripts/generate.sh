#!/usr/bin/env bash
# Regenerates what is generated from the Kubernetes API types in
# api/v1alpha1: their deepcopy methods (zz_generated.deepcopy.go) and the
# CRDs the chart installs (charts/tether/crds). Run it after changing a
# type or a kubebuilder marker, and commit its outputs.
#
# controller-gen is run at a pinned version through `go run`, which the Go
# build cache keeps after the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

controller_gen=sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0

rm -f charts/tether/crds/*.yaml
go run "$controller_gen" \
	object \
	crd \
	paths=./api/... \
	output:crd:artifacts:config=charts/tether/crds
