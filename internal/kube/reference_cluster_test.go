package kube_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// TestDirectPodDefaultsOnAPIServer creates on a real API server the
// PodDefaults of a connection that refers to the user's Secret and
// ConfigMap, of a host_path and of a volume_claim connection (prefixed,
// as a second volume must be), as `tether conn render` prints them (one
// document each, no Secret), and a notebook pod to which Kubeflow's
// webhook rules applied them: the server accepts the pod, which takes its
// variables from the user's Secret, mounts the ConfigMap's items and both
// volumes where the connections say.
func TestDirectPodDefaultsOnAPIServer(t *testing.T) {
	c := newCluster(t)
	installPodDefaultCRD(t, c.admin)
	c.serviceAccount(t, "default")
	dyn, err := dynamic.NewForConfig(c.admin)
	if err != nil {
		t.Fatal(err)
	}
	var pds []*kube.PodDefaultObject
	var labels []string
	for _, d := range []struct {
		conn func(testing.TB) (*tether.Connection, *tether.ConnectionType)
		o    kube.DeliveryOptions
	}{{s3ByReference, kube.DeliveryOptions{}}, {hostPath, kube.DeliveryOptions{}}, {volumeClaim, kube.DeliveryOptions{Prefix: "SCRATCH_"}}} {
		cn, typ := d.conn(t)
		d.o.Namespace = c.ns
		pd, err := kube.PodDefault(cn, typ, d.o)
		if err != nil {
			t.Fatal(err)
		}
		manifest, err := kube.ManifestYAML(pd)
		if err != nil {
			t.Fatal(err)
		}
		js, err := yaml.YAMLToJSON(manifest)
		if err != nil {
			t.Fatal(err)
		}
		createAndGet(t, dyn, object(t, string(js)))
		pds, labels = append(pds, pd), append(labels, cn.ID)
	}
	pod, err := applyPodDefaults(notebookPod(c.ns, labels...), pds...)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	created, err := c.cs.CoreV1().Pods(c.ns).Create(t.Context(), pod, metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
	if err != nil {
		t.Fatalf("create the notebook pod: %v", err)
	}
	checkDirect(t, created)
}

// checkDirect checks the pod of TestDirectPodDefaultsOnAPIServer.
func checkDirect(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	ctr := pod.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range ctr.Env {
		env[e.Name] = e
	}
	if r := env["AWS_ACCESS_KEY_ID"].ValueFrom; r == nil || r.SecretKeyRef == nil || r.SecretKeyRef.Name != "aws-keys" {
		t.Errorf("AWS_ACCESS_KEY_ID %+v", env["AWS_ACCESS_KEY_ID"])
	}
	if env["TETHER_VOLUME_PATH"].Value != "/data" || env["SCRATCH_TETHER_VOLUME_PATH"].Value != "/scratch" {
		t.Errorf("volume paths %+v %+v", env["TETHER_VOLUME_PATH"], env["SCRATCH_TETHER_VOLUME_PATH"])
	}
	if len(ctr.EnvFrom) > 0 {
		t.Errorf("envFrom %v", ctr.EnvFrom)
	}
	byPath := map[string]corev1.VolumeMount{}
	for _, m := range ctr.VolumeMounts {
		byPath[m.MountPath] = m
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	aws, data, scratch := byPath["/home/jovyan/.aws"], byPath["/data"], byPath["/scratch"]
	if v := vols[aws.Name]; v.ConfigMap == nil || v.ConfigMap.Name != "aws-config" || len(v.ConfigMap.Items) != 1 ||
		v.ConfigMap.Items[0].Key != "config" || !aws.ReadOnly {
		t.Errorf("ConfigMap mount %+v, volume %+v", aws, v)
	}
	if v := vols[data.Name]; v.HostPath == nil || v.HostPath.Path != "/mnt/datasets" || !data.ReadOnly {
		t.Errorf("host path mount %+v, volume %+v", data, v)
	}
	if v := vols[scratch.Name]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "scratch-claim" || scratch.ReadOnly {
		t.Errorf("claim mount %+v, volume %+v", scratch, v)
	}
}
