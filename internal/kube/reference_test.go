package kube_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
)

// direct returns a valid connection of typ, id id, changed by mut, and its
// type.
func direct(t testing.TB, typ, id string, mut func(s *tether.ConnectionSpec)) (*tether.Connection, *tether.ConnectionType) {
	t.Helper()
	c := &tether.Connection{Kind: tether.Kind, ID: id, Spec: tether.ConnectionSpec{Type: typ}}
	mut(&c.Spec)
	reg := conntype.New()
	if err := reg.Validate(c); err != nil {
		t.Fatal(err)
	}
	return c, reg.Type(typ)
}

// s3ByReference is an s3 connection whose keys are the variables of the
// Secret aws-keys, and whose AWS configuration files are the ConfigMap
// aws-config mounted at /home/jovyan/.aws.
func s3ByReference(t testing.TB) (*tether.Connection, *tether.ConnectionType) {
	return direct(t, "s3", "team-data", func(s *tether.ConnectionSpec) {
		s.URI, s.Region = "s3://team-data", "eu-central-1"
		s.SecretRef = &tether.ObjectRef{Name: "aws-keys", Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}}
		s.ConfigMapRef = &tether.ObjectRef{Name: "aws-config", MountPath: "/home/jovyan/.aws", Items: []string{"config"}}
	})
}

func hostPath(t testing.TB) (*tether.Connection, *tether.ConnectionType) {
	return direct(t, "host_path", "datasets", func(s *tether.ConnectionSpec) {
		s.URI, s.Parameters = "/mnt/datasets", tether.Params{"mountPath": "/data", "readOnly": "true"}
	})
}

func volumeClaim(t testing.TB) (*tether.Connection, *tether.ConnectionType) {
	return direct(t, "volume_claim", "scratch", func(s *tether.ConnectionSpec) {
		s.URI, s.Parameters = "scratch-claim", tether.Params{"mountPath": "/scratch"}
	})
}

// TestPodDefaultDirect checks the PodDefaults of the connections that
// have no Secret of Tether's own: what each takes from the user's
// objects, its volumes, and that Secret refuses them.
func TestPodDefaultDirect(t *testing.T) {
	mode := int32(0o400)
	for _, tc := range []struct {
		name  string
		conn  func(testing.TB) (*tether.Connection, *tether.ConnectionType)
		o     kube.DeliveryOptions
		want  kube.PodDefaultSpec
		error string // of Secret
	}{
		{"secret items and mounted configMap", s3ByReference, kube.DeliveryOptions{Prefix: "TEAM_"}, kube.PodDefaultSpec{
			Env: []corev1.EnvVar{
				secretKey("TEAM_AWS_ACCESS_KEY_ID", "aws-keys", "AWS_ACCESS_KEY_ID"),
				secretKey("TEAM_AWS_SECRET_ACCESS_KEY", "aws-keys", "AWS_SECRET_ACCESS_KEY"),
				{Name: "TEAM_TETHER_S3_CONNECTION", Value: "team-data"}},
			Volumes: []corev1.Volume{{Name: "tether-team-data-config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "aws-config"}, Items: []corev1.KeyToPath{{Key: "config", Path: "config"}}}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "tether-team-data-config", MountPath: "/home/jovyan/.aws", ReadOnly: true}},
		}, "connection team-data refers to Kubernetes Secret aws-keys and refers to Kubernetes ConfigMap aws-config: " +
			"it has no Secret of Tether's own, only a PodDefault (--as poddefault)"},
		{"mounted secret, every key", func(t testing.TB) (*tether.Connection, *tether.ConnectionType) {
			return direct(t, "gcs", "gcs-ref", func(s *tether.ConnectionSpec) {
				s.URI, s.Region = "gs://models", "us-central1"
				s.SecretRef = &tether.ObjectRef{Name: "gcp-key", MountPath: "/var/run/gcp"}
			})
		}, kube.DeliveryOptions{}, kube.PodDefaultSpec{
			Env: []corev1.EnvVar{{Name: "TETHER_GCS_CONNECTION", Value: "gcs-ref"}},
			Volumes: []corev1.Volume{{Name: "tether-gcs-ref-secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: "gcp-key", DefaultMode: &mode}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "tether-gcs-ref-secret", MountPath: "/var/run/gcp", ReadOnly: true}},
		}, "connection gcs-ref refers to Kubernetes Secret gcp-key"},
		{"host path", hostPath, kube.DeliveryOptions{}, kube.PodDefaultSpec{
			Env: []corev1.EnvVar{{Name: "TETHER_VOLUME_PATH", Value: "/data"}, {Name: "TETHER_HOST_PATH_CONNECTION", Value: "datasets"}},
			Volumes: []corev1.Volume{{Name: "tether-datasets-volume-0", VolumeSource: corev1.VolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/mnt/datasets"}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "tether-datasets-volume-0", MountPath: "/data", ReadOnly: true}},
		}, "connection datasets is a volume"},
		{"volume claim", volumeClaim, kube.DeliveryOptions{Name: "scratch-space"}, kube.PodDefaultSpec{
			Env: []corev1.EnvVar{{Name: "TETHER_VOLUME_PATH", Value: "/scratch"}, {Name: "TETHER_VOLUME_CLAIM_CONNECTION", Value: "scratch-space"}},
			Volumes: []corev1.Volume{{Name: "tether-scratch-space-volume-0", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "scratch-claim"}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "tether-scratch-space-volume-0", MountPath: "/scratch"}},
		}, "connection scratch is a volume"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, typ := tc.conn(t)
			pd, err := kube.PodDefault(c, typ, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			name := tc.o.Name
			if name == "" {
				name = c.ID
			}
			if pd.Name != name || pd.Spec.Selector.MatchLabels[name] != "true" || pd.Spec.Desc == "" {
				t.Errorf("name %q, selector %v, desc %q", pd.Name, pd.Spec.Selector.MatchLabels, pd.Spec.Desc)
			}
			pd.Spec.Selector, pd.Spec.Desc = tc.want.Selector, ""
			if diff := cmp.Diff(tc.want, pd.Spec); diff != "" {
				t.Errorf("PodDefault spec (-want +got):\n%s", diff)
			}
			if own, err := kube.OwnSecret(c, typ); own || err != nil {
				t.Errorf("OwnSecret = %v, %v; want false", own, err)
			}
			if _, err := kube.Secret(c, typ, tc.o); tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(tether.ErrorMessage(err), tc.error) {
				t.Errorf("Secret: %v, want EINVALID with %q", err, tc.error)
			}
		})
	}
}

// TestPodDefaultDirectOptions checks that the options a direct delivery's
// spec decides are refused, and that a connection with values of its own
// still has its own Secret.
func TestPodDefaultDirectOptions(t *testing.T) {
	c, typ := s3ByReference(t)
	for _, o := range []kube.DeliveryOptions{{MountPath: "/x"}, {Items: []string{"A"}}} {
		if _, err := kube.PodDefault(c, typ, o); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("options %+v: got %v, want EINVALID", o, err)
		}
	}
	own, typ := conn(t, "s3")
	if ok, err := kube.OwnSecret(own, typ); !ok || err != nil {
		t.Errorf("OwnSecret of an s3 connection with keys = %v, %v", ok, err)
	}
}

func secretKey(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}}
}
