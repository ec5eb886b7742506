package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterConnectionSync keeps a Tether connection delivered, as a
// ConnectionSync does, in every namespace its namespace selector matches,
// following namespaces as they appear and disappear. The controller reads
// the connection as its own identity, which needs its own role binding in
// Tether.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ccsync,categories=tether
// +kubebuilder:printcolumn:name="Connection",type=string,JSONPath=`.spec.connection.id`
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.spec.secretName`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=integer,JSONPath=`.status.deliveredVersion`
// +kubebuilder:printcolumn:name="Namespaces",type=integer,JSONPath=`.status.namespaces`
// +kubebuilder:printcolumn:name="Ready-Namespaces",type=integer,JSONPath=`.status.readyNamespaces`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterConnectionSync struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which namespaces receive which connection, and how.
	// +required
	Spec ClusterConnectionSyncSpec `json:"spec"`
	// Status is what the controller last did.
	// +optional
	Status ClusterConnectionSyncStatus `json:"status,omitempty"`
}

// ClusterConnectionSyncSpec is a DeliverySpec applied to every namespace a
// selector matches.
type ClusterConnectionSyncSpec struct {
	// NamespaceSelector selects the namespaces that receive the
	// connection, e.g. every Kubeflow profile namespace; {} selects all.
	// +required
	NamespaceSelector metav1.LabelSelector `json:"namespaceSelector"`

	DeliverySpec `json:",inline"`
}

// ClusterConnectionSyncStatus is a SyncStatus over the selected namespaces,
// with how many there are and how many of them are ready.
type ClusterConnectionSyncStatus struct {
	SyncStatus `json:",inline"`
	// Namespaces is how many namespaces the selector matches.
	// +optional
	Namespaces int32 `json:"namespaces,omitempty"`
	// ReadyNamespaces is how many of them hold the connection's current
	// version.
	// +optional
	ReadyNamespaces int32 `json:"readyNamespaces,omitempty"`
}

// ClusterConnectionSyncList is a list of ClusterConnectionSyncs.
//
// +kubebuilder:object:root=true
type ClusterConnectionSyncList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ClusterConnectionSyncs.
	Items []ClusterConnectionSync `json:"items"`
}
