package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConnectionSync keeps a Tether connection delivered as a Secret (and
// optionally a PodDefault) in its own namespace. The controller reads the
// connection as that namespace's identity, so Tether's role bindings
// decide which namespaces may receive which connections.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=csync,categories=tether
// +kubebuilder:printcolumn:name="Connection",type=string,JSONPath=`.spec.connection.id`
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.spec.secretName`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=integer,JSONPath=`.status.deliveredVersion`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ConnectionSync struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which connection is delivered, how, and as whose identity.
	// +required
	Spec ConnectionSyncSpec `json:"spec"`
	// Status is what the controller last did.
	// +optional
	Status SyncStatus `json:"status,omitempty"`
}

// ConnectionSyncSpec is a DeliverySpec read as a ServiceAccount of the
// sync's namespace.
type ConnectionSyncSpec struct {
	DeliverySpec `json:",inline"`
	// ServiceAccountName names the ServiceAccount of the sync's namespace
	// whose identity reads the connection: the controller requests a
	// short-lived token for it with Tether's audience, and Tether's role
	// bindings for serviceaccount:<namespace>:<name> decide whether the
	// connection may be delivered. Default: default.
	// +kubebuilder:default=default
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// ConnectionSyncList is a list of ConnectionSyncs.
//
// +kubebuilder:object:root=true
type ConnectionSyncList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ConnectionSyncs.
	Items []ConnectionSync `json:"items"`
}
