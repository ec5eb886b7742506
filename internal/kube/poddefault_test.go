package kube_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tether-ml/tether/internal/kube"
)

// podDefault returns the PodDefault of the fixtures with the given spec
// parts filled in.
func podDefault(desc string, spec kube.PodDefaultSpec) *kube.PodDefaultObject {
	spec.Selector = metav1.LabelSelector{MatchLabels: map[string]string{"training-data": "true"}}
	spec.Desc = desc
	return &kube.PodDefaultObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: "kubeflow.org/v1alpha1", Kind: "PodDefault"},
		ObjectMeta: metav1.ObjectMeta{Name: "training-data", Namespace: "user"},
		Spec:       spec,
	}
}

// secretVolume returns the volume and mount of the fixtures' Secret.
func secretVolume(mountPath string, items ...corev1.KeyToPath) ([]corev1.Volume, []corev1.VolumeMount) {
	mode := int32(0o400)
	return []corev1.Volume{{Name: "tether-training-data", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "training-data", Items: items, DefaultMode: &mode}}}},
		[]corev1.VolumeMount{{Name: "tether-training-data", MountPath: mountPath, ReadOnly: true}}
}

func env(kv ...string) []corev1.EnvVar {
	var out []corev1.EnvVar
	for i := 0; i < len(kv); i += 2 {
		out = append(out, corev1.EnvVar{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// s3Keys are the keys of the s3 fixture's env-mode Secret, sorted.
var s3Keys = []string{"AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3", "AWS_REGION",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_ENDPOINT", "S3_FORCE_PATH_STYLE", "S3_SIGNATURE_VERSION"}

// s3Marker is the variable naming the objects of the s3 fixture.
var s3Marker = env("TETHER_S3_CONNECTION", "training-data")

// fromSecret returns the variables prefix+key taken from the fixtures'
// Secret.
func fromSecret(prefix string, keys ...string) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, k := range keys {
		out = append(out, corev1.EnvVar{Name: prefix + k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "training-data"}, Key: k}}})
	}
	return out
}

func TestPodDefault(t *testing.T) {
	const s3Desc = "Tether connection training-data (s3)"
	s3Vols, s3Mounts := secretVolume("/home/jovyan/.aws",
		corev1.KeyToPath{Key: "config", Path: "config"}, corev1.KeyToPath{Key: "credentials", Path: "credentials"})
	dockerVols, dockerMounts := secretVolume("/kaniko/.docker", corev1.KeyToPath{Key: ".dockerconfigjson", Path: "config.json"})
	gcsVols, gcsMounts := secretVolume("/var/run/gcs", corev1.KeyToPath{Key: "key.json", Path: "key.json"})
	cases := []struct {
		name string
		typ  string
		o    kube.DeliveryOptions
		want *kube.PodDefaultObject
	}{
		{"s3 env: every key of the Secret, one variable each", "s3", kube.DeliveryOptions{},
			podDefault(s3Desc, kube.PodDefaultSpec{Env: append(fromSecret("", s3Keys...), s3Marker...)})},
		{"s3 env, prefixed", "s3", kube.DeliveryOptions{Prefix: "MINIO_"},
			podDefault(s3Desc, kube.PodDefaultSpec{Env: append(fromSecret("MINIO_", s3Keys...),
				env("MINIO_TETHER_S3_CONNECTION", "training-data")...)})},
		{"s3 items: one variable per key", "s3",
			kube.DeliveryOptions{Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ACCESS_KEY_ID"}},
			podDefault(s3Desc, kube.PodDefaultSpec{Env: append(fromSecret("", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"),
				s3Marker...)})},
		{"s3 mount: files and plain variables", "s3", kube.DeliveryOptions{MountPath: "/home/jovyan/.aws"},
			podDefault(s3Desc, kube.PodDefaultSpec{Volumes: s3Vols, VolumeMounts: s3Mounts, Env: env(
				"AWS_CONFIG_FILE", "/home/jovyan/.aws/config",
				"AWS_DEFAULT_REGION", "eu-central-1",
				"AWS_ENDPOINT_URL_S3", "http://minio.kubeflow:9000",
				"AWS_REGION", "eu-central-1",
				"AWS_SHARED_CREDENTIALS_FILE", "/home/jovyan/.aws/credentials",
				"S3_ENDPOINT", "http://minio.kubeflow:9000",
				"S3_FORCE_PATH_STYLE", "true",
				"S3_SIGNATURE_VERSION", "s3v4",
				"TETHER_S3_CONNECTION", "training-data")})},
		{"docker mount: config.json", "docker", kube.DeliveryOptions{MountPath: "/kaniko/.docker"},
			podDefault("Tether connection training-data (docker)", kube.PodDefaultSpec{
				Volumes: dockerVols, VolumeMounts: dockerMounts, Env: env("DOCKER_CONFIG", "/kaniko/.docker",
					"TETHER_DOCKER_CONNECTION", "training-data")})},
		{"gcs mount: key.json", "gcs", kube.DeliveryOptions{MountPath: "/var/run/gcs"},
			podDefault("Tether connection training-data (gcs)", kube.PodDefaultSpec{Volumes: gcsVols, VolumeMounts: gcsMounts, Env: env(
				"CLOUDSDK_CORE_PROJECT", "project_id",
				"GOOGLE_APPLICATION_CREDENTIALS", "/var/run/gcs/key.json",
				"GOOGLE_CLOUD_PROJECT", "project_id",
				"TETHER_GCS_CONNECTION", "training-data")})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, typ := conn(t, tc.typ)
			tc.o.Namespace = "user"
			got, err := kube.PodDefault(c, typ, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("PodDefault (-want +got):\n%s", d)
			}
		})
	}
}

func TestPodDefaultGit(t *testing.T) {
	c, typ := conn(t, "git")
	c.Spec.Description = "Examples repository"
	got, err := kube.PodDefault(c, typ, kube.DeliveryOptions{Namespace: "user", MountPath: "/home/jovyan/.ssh-git"})
	if err != nil {
		t.Fatal(err)
	}
	vols, mounts := secretVolume("/home/jovyan/.ssh-git",
		corev1.KeyToPath{Key: "known_hosts", Path: "known_hosts"}, corev1.KeyToPath{Key: "ssh-privatekey", Path: "id_key"})
	want := podDefault("Examples repository", kube.PodDefaultSpec{Volumes: vols, VolumeMounts: mounts, Env: env(
		"GIT_REFERENCE", "master",
		"GIT_SSH_COMMAND", "ssh -i '/home/jovyan/.ssh-git/id_key' -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "+
			"-o BatchMode=yes -o UserKnownHostsFile='/home/jovyan/.ssh-git/known_hosts' -o GlobalKnownHostsFile=/dev/null",
		"TETHER_GIT_CONNECTION", "training-data")})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("PodDefault (-want +got):\n%s", d)
	}
}

func TestPodDefaultBadItem(t *testing.T) {
	c, typ := conn(t, "s3")
	_, err := kube.PodDefault(c, typ, kube.DeliveryOptions{Items: []string{"AWS_REGION", "AWS_PROFILE"}})
	wantInvalid(t, err, c, `--items: "AWS_PROFILE" is not a key of the Secret (keys: AWS_ACCESS_KEY_ID, `+
		`AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, `+
		`S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_SIGNATURE_VERSION)`)
	_, err = kube.PodDefault(c, typ, kube.DeliveryOptions{Items: []string{keySecret}})
	wantInvalid(t, err, c, "--items: an item that is not a valid key is not a key of the Secret")
}

func TestPodDefaultVolumeName(t *testing.T) {
	c, typ := conn(t, "gcs")
	names := map[string]bool{}
	for _, name := range []string{strings.Repeat("a", 62) + "1", strings.Repeat("a", 62) + "2", "k"} {
		pd, err := kube.PodDefault(c, typ, kube.DeliveryOptions{Name: name, MountPath: "/var/run/gcs"})
		if err != nil {
			t.Fatal(err)
		}
		v := pd.Spec.Volumes[0].Name
		if len(validation.IsDNS1123Label(v)) > 0 || v != pd.Spec.VolumeMounts[0].Name || names[v] {
			t.Errorf("volume name %q of %q: not a DNS-1123 label, unmounted or shared", v, name)
		}
		names[v] = true
	}
}
