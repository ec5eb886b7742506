package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeliverySpec says which connection is delivered and how: the part of the
// spec that ConnectionSync and ClusterConnectionSync share.
type DeliverySpec struct {
	// Connection names the Tether connection to deliver.
	// +required
	Connection ConnectionRef `json:"connection"`
	// SecretName names the Secret that receives the connection.
	// Default: the connection's id.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	SecretName string `json:"secretName,omitempty"`
	// PodDefault, if set, also delivers a Kubeflow PodDefault that gives
	// the Secret to the pods carrying its label, as
	// `tether conn render --as poddefault` does.
	// +optional
	PodDefault *PodDefaultSpec `json:"podDefault,omitempty"`
	// DeletionPolicy says what becomes of the delivered Secret (and
	// PodDefault) when the sync is deleted or the connection is no longer
	// given to it: Delete removes them, Retain leaves them as they are.
	// +kubebuilder:default=Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
	// RestartTargets are workloads of the Secret's namespace whose pod
	// template gets an annotation with a hash of the Secret's data, so
	// that they roll out again when the connection changes.
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	// +optional
	RestartTargets []RestartTarget `json:"restartTargets,omitempty"`
	// ResyncInterval is how often the controller compares the delivered
	// objects with Tether even when the change feed reports nothing: a
	// safety net, not the way changes arrive. Default: the controller's.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('10s')",message="must be a duration of at least 10s, e.g. 10m"
	// +optional
	ResyncInterval *metav1.Duration `json:"resyncInterval,omitempty"`
}

// ConnectionRef names a Tether connection.
type ConnectionRef struct {
	// Namespace is the Tether namespace of the connection (a DNS-1123
	// label).
	// +kubebuilder:default=default
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// ID is the connection's id (a DNS-1123 label).
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
	// +required
	ID string `json:"id"`
}

// PodDefaultSpec says how the PodDefault gives the Secret to pods: as
// environment variables (the default) or as files at MountPath. These are
// the options of `tether conn render --as poddefault`.
// +kubebuilder:validation:XValidation:rule="!has(self.mountPath) || !has(self.items) || size(self.items) == 0",message="items selects environment variables, so it cannot be combined with mountPath"
type PodDefaultSpec struct {
	// Label is the label (<label>: "true") that selects the pods the
	// PodDefault applies to, and the PodDefault's name. Default: the
	// connection's id.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
	// +optional
	Label string `json:"label,omitempty"`
	// Desc is the description Kubeflow's notebook spawner shows for the
	// PodDefault. Default: the connection's description.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Desc string `json:"desc,omitempty"`
	// MountPath, if set, mounts the connection's files read-only at this
	// absolute, clean directory, e.g. /home/jovyan/.aws.
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^(/[^/\p{Cc}]+)+$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('/[.][.]?(/|$)')",message="must be an absolute, clean path, e.g. /home/jovyan/.aws"
	// +optional
	MountPath string `json:"mountPath,omitempty"`
	// Items, without MountPath, exposes only these keys of the Secret,
	// one environment variable each.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	// +listType=set
	// +optional
	Items []string `json:"items,omitempty"`
	// Prefix, if set, is put before the name of every variable the
	// PodDefault sets, so that two connections of one kind can be given
	// to one pod: TEAM_B_ gives TEAM_B_AWS_ACCESS_KEY_ID.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	// +optional
	Prefix string `json:"prefix,omitempty"`
}

// DeletionPolicy says what becomes of delivered objects once they are no
// longer wanted.
// +kubebuilder:validation:Enum=Delete;Retain
type DeletionPolicy string

// The deletion policies.
const (
	// DeletionPolicyDelete removes the delivered objects.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyRetain leaves the delivered objects as they are.
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// RestartTarget names a workload to roll out again when the delivered
// connection changes.
type RestartTarget struct {
	// Kind is the workload's kind.
	// +required
	Kind RestartKind `json:"kind"`
	// Name is the workload's name, in the Secret's namespace.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	Name string `json:"name"`
}

// RestartKind is the kind of a restart target: a workload with a pod
// template.
// +kubebuilder:validation:Enum=Deployment;StatefulSet;DaemonSet
type RestartKind string

// The kinds of restart targets.
const (
	RestartDeployment  RestartKind = "Deployment"
	RestartStatefulSet RestartKind = "StatefulSet"
	RestartDaemonSet   RestartKind = "DaemonSet"
)

// SyncStatus is what the controller last did for a sync.
type SyncStatus struct {
	// ObservedGeneration is the metadata.generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions are the sync's conditions; Ready says whether the
	// connection is delivered, and its reason why not.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// DeliveredVersion is the connection's status.version that the
	// Secret holds.
	// +optional
	DeliveredVersion int64 `json:"deliveredVersion,omitempty"`
	// LastSyncTime is when the controller last wrote or confirmed the
	// delivered objects.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// Injection is what a pod gets to receive the delivered Secret, by
	// the rules of the PodDefault: the variables, volumes and mounts that
	// the controller's admission webhook adds to a pod asking for the
	// connection. It holds no secret: variables that carry one refer to
	// the Secret.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +optional
	Injection *PodInjection `json:"injection,omitempty"`
}

// PodInjection is the part of a pod that delivers a Secret: a Kubeflow
// PodDefault's env, volumes and volumeMounts.
type PodInjection struct {
	// Env are the variables each container gets.
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`
	// Volumes are the pod's volumes for the Secret.
	// +optional
	Volumes []corev1.Volume `json:"volumes,omitempty"`
	// VolumeMounts are each container's mounts of Volumes.
	// +optional
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
}
