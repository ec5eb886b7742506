// Package v1alpha1 holds the tether.ml/v1alpha1 API: the custom resources
// with which a cluster asks `tether controller` to keep Tether connections
// delivered as Secrets (and optionally PodDefaults) in its namespaces.
//
// The CRDs in charts/tether/crds and zz_generated.deepcopy.go are generated
// from these types by scripts/generate.sh; the field comments become the
// CRDs' descriptions.
//
// +kubebuilder:object:generate=true
// +groupName=tether.ml
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// Group is the API group of Tether's custom resources.
const Group = "tether.ml"

// GroupVersion is the group and version of the types of this package.
var GroupVersion = schema.GroupVersion{Group: Group, Version: "v1alpha1"}

// SchemeBuilder registers the types of this package in a scheme. It is
// filled once, by the package's init.
var SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

// AddToScheme adds the types of this package to a scheme, as a client or
// a controller manager needs before it can encode or decode them.
var AddToScheme = SchemeBuilder.AddToScheme

func init() {
	SchemeBuilder.Register(&ConnectionSync{}, &ConnectionSyncList{},
		&ClusterConnectionSync{}, &ClusterConnectionSyncList{})
}
