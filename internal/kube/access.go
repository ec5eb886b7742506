package kube

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The access-tether PodDefault, as Kubeflow Pipelines' access-ml-pipeline
// gives notebooks a token for the pipelines API.
const (
	// AccessName is the PodDefault's name and the label ("true") that
	// selects the pods it applies to.
	AccessName = "access-tether"
	// AccessDesc is the PodDefault's desc, which Kubeflow's notebook
	// spawner shows.
	AccessDesc = "Allow access to Tether"
	// AccessTokenDir is where the token is mounted, read-only.
	AccessTokenDir = "/var/run/secrets/tether"
	// AccessTokenPath is the token's file, TETHER_TOKEN_PATH.
	AccessTokenPath = AccessTokenDir + "/token"
	// AccessTokenExpiry is the token's lifetime in seconds: the kubelet
	// renews it before it expires, and the client reads the file anew.
	AccessTokenExpiry int64 = 3600
	// ManagedByLabel and ManagedBy mark the objects the controller keeps.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "tether-controller"
)

// accessVolume is the name of the projected token's volume.
const accessVolume = "tether-token"

// AccessPodDefault returns the PodDefault of namespace ns that gives the
// pods labelled access-tether: "true" a projected ServiceAccount token
// with audience, mounted read-only at AccessTokenDir, and sets TETHER_URL
// to url and TETHER_TOKEN_PATH to the token, so that the tether CLI and
// the Go client in those pods act as the pod's ServiceAccount.
func AccessPodDefault(ns, url, audience string) *PodDefaultObject {
	expiry := AccessTokenExpiry
	return &PodDefaultObject{
		TypeMeta: metav1.TypeMeta{APIVersion: PodDefaultAPIVersion, Kind: PodDefaultKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: AccessName,
			Labels: map[string]string{ManagedByLabel: ManagedBy}},
		Spec: PodDefaultSpec{
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{AccessName: "true"}},
			Desc:     AccessDesc,
			Env: []corev1.EnvVar{
				{Name: "TETHER_URL", Value: url},
				{Name: "TETHER_TOKEN_PATH", Value: AccessTokenPath},
			},
			Volumes: []corev1.Volume{{Name: accessVolume, VolumeSource: corev1.VolumeSource{
				Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
					ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
						Audience: audience, ExpirationSeconds: &expiry, Path: "token"}}}}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: accessVolume, MountPath: AccessTokenDir, ReadOnly: true}},
		},
	}
}
