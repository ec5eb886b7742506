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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group is the API group of Tether's custom resources.
const Group = "tether.ml"

// GroupVersion is the group and version of the types of this package.
var GroupVersion = schema.GroupVersion{Group: Group, Version: "v1alpha1"}

// AddToScheme adds the types of this package to s, as a client or a
// controller manager needs before it can encode or decode them. The
// package depends on k8s.io/apimachinery and k8s.io/api alone, so that any Go program
// can import it.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &ConnectionSync{}, &ConnectionSyncList{},
		&ClusterConnectionSync{}, &ClusterConnectionSyncList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
