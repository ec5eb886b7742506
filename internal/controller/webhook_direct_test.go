package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
)

// directInjection is what the reconciler gives the status of syncs of an
// s3 connection that refers to the Secret aws-keys (two items as
// variables) and the ConfigMap aws-config (mounted), and of a host_path
// connection, prefixed DATA_: their PodDefaults' env, volumes and mounts.
func directInjection(t *testing.T) (*v1alpha1.PodInjection, *v1alpha1.PodInjection) {
	t.Helper()
	reg := conntype.New()
	ref := &tether.Connection{ID: "by-ref", Spec: tether.ConnectionSpec{Type: "s3", URI: "s3://team", Region: "eu-central-1",
		SecretRef:    &tether.ObjectRef{Name: "aws-keys", Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
		ConfigMapRef: &tether.ObjectRef{Name: "aws-config", MountPath: "/home/jovyan/.aws", Items: []string{"config"}}}}
	vol := &tether.Connection{ID: "datasets", Spec: tether.ConnectionSpec{Type: "host_path", URI: "/mnt/datasets",
		Parameters: tether.Params{"mountPath": "/data", "readOnly": "true"}}}
	var out []*v1alpha1.PodInjection
	for _, c := range []*tether.Connection{ref, vol} {
		if err := reg.Validate(c); err != nil {
			t.Fatal(err)
		}
		pd, err := kube.PodDefault(c, reg.Type(c.Spec.Type), kube.DeliveryOptions{Prefix: "DATA_"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &v1alpha1.PodInjection{Env: pd.Spec.Env, Volumes: pd.Spec.Volumes, VolumeMounts: pd.Spec.VolumeMounts})
	}
	return out[0], out[1]
}

// checkDirectPod checks what a pod given both direct injections holds:
// the Secret's keys as secretKeyRefs, the ConfigMap and the node's
// directory mounted where the connections say.
func checkDirectPod(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	main := pod.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range main.Env {
		env[e.Name] = e
	}
	if r := env["DATA_AWS_SECRET_ACCESS_KEY"].ValueFrom; r == nil || r.SecretKeyRef == nil ||
		r.SecretKeyRef.Name != "aws-keys" || r.SecretKeyRef.Key != "AWS_SECRET_ACCESS_KEY" {
		t.Errorf("DATA_AWS_SECRET_ACCESS_KEY: %+v", env["DATA_AWS_SECRET_ACCESS_KEY"])
	}
	if env["DATA_TETHER_VOLUME_PATH"].Value != "/data" {
		t.Errorf("DATA_TETHER_VOLUME_PATH: %+v", env["DATA_TETHER_VOLUME_PATH"])
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range main.VolumeMounts {
		mounts[m.MountPath] = m
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	cm, data := vols[mounts["/home/jovyan/.aws"].Name], vols[mounts["/data"].Name]
	if cm.ConfigMap == nil || cm.ConfigMap.Name != "aws-config" || len(cm.ConfigMap.Items) != 1 || !mounts["/home/jovyan/.aws"].ReadOnly {
		t.Errorf("ConfigMap volume %+v", cm)
	}
	if data.HostPath == nil || data.HostPath.Path != "/mnt/datasets" || !mounts["/data"].ReadOnly {
		t.Errorf("host path volume %+v", data)
	}
}
