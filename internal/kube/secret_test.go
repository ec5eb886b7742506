package kube_test

import (
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
)

// dockerConfig is the config.json of the docker fixture.
var dockerConfig = `{
  "auths": {
    "gcr.io": {
      "auth": "` + b64("_json:"+dockerPasswd) + `"
    }
  }
}
`

// s3Files are the files of the s3 fixture.
var s3Files = map[string][]byte{
	"credentials": []byte("[default]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + keySecret +
		"\naws_session_token = " + sessionToken + "\n"),
	"config": []byte("[default]\nregion = eu-central-1\nendpoint_url = http://minio.kubeflow:9000\n" +
		"s3 =\n    addressing_style = path\n    signature_version = s3v4\n"),
}

// secretMeta is the type and metadata of the fixtures' Secrets.
func secretMeta(ns string) (metav1.TypeMeta, metav1.ObjectMeta) {
	return metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, metav1.ObjectMeta{Name: "training-data", Namespace: ns}
}

func TestSecret(t *testing.T) {
	tm, om := secretMeta("user")
	git, _ := conn(t, "git")
	gitKey := secretBytes(t, git.Spec.KeySecret)
	gitHosts := secretBytes(t, tether.Secret(git.Spec.PublicKey)) // "github.com ssh-ed25519 ...\n"
	cases := []struct {
		name string
		typ  string
		c    *tether.Connection
		o    kube.DeliveryOptions
		want *corev1.Secret
	}{
		{"s3 env: Kaptain's aws-configuration", "s3", nil, kube.DeliveryOptions{Namespace: "user"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeOpaque, Data: map[string][]byte{
				"AWS_ACCESS_KEY_ID": []byte(keyID), "AWS_SECRET_ACCESS_KEY": []byte(keySecret),
				"AWS_SESSION_TOKEN": []byte(sessionToken), "AWS_REGION": []byte("eu-central-1"),
				"AWS_DEFAULT_REGION": []byte("eu-central-1"), "S3_ENDPOINT": []byte("http://minio.kubeflow:9000"),
				"AWS_ENDPOINT_URL_S3": []byte("http://minio.kubeflow:9000"), "S3_FORCE_PATH_STYLE": []byte("true"),
				"S3_SIGNATURE_VERSION": []byte("s3v4"),
			}}},
		{"s3 mount: the credentials and config files", "s3", nil,
			kube.DeliveryOptions{Namespace: "user", MountPath: "/home/jovyan/.aws"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeOpaque, Data: s3Files}},
		{"docker env: dockerconfigjson", "docker", nil, kube.DeliveryOptions{Namespace: "user"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeDockerConfigJson,
				Data: map[string][]byte{".dockerconfigjson": []byte(dockerConfig)}}},
		{"docker mount: dockerconfigjson", "docker", nil, kube.DeliveryOptions{Namespace: "user", MountPath: "/kaniko/.docker"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeDockerConfigJson,
				Data: map[string][]byte{".dockerconfigjson": []byte(dockerConfig)}}},
		{"git: ssh-auth", "git", git, kube.DeliveryOptions{Namespace: "user", MountPath: "/home/jovyan/.ssh-git"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeSSHAuth,
				Data: map[string][]byte{"ssh-privatekey": gitKey, "known_hosts": gitHosts}}},
		{"gcs env: the file form", "gcs", nil, kube.DeliveryOptions{Namespace: "user"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeOpaque,
				Data: map[string][]byte{"key.json": []byte(serviceAccountJSON)}}},
		{"gcs mount", "gcs", nil, kube.DeliveryOptions{Namespace: "user", MountPath: "/var/run/gcs"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Type: corev1.SecretTypeOpaque,
				Data: map[string][]byte{"key.json": []byte(serviceAccountJSON)}}},
		{"other name, no namespace", "gcs", nil, kube.DeliveryOptions{Name: "gcs-key"},
			&corev1.Secret{TypeMeta: tm, ObjectMeta: metav1.ObjectMeta{Name: "gcs-key"}, Type: corev1.SecretTypeOpaque,
				Data: map[string][]byte{"key.json": []byte(serviceAccountJSON)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, typ := conn(t, tc.typ)
			if tc.c != nil {
				c = tc.c
			}
			got, err := kube.Secret(c, typ, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Secret (-want +got):\n%s", d)
			}
		})
	}
}

// TestSecretFileKeys checks that file paths become valid, distinct keys
// (docker's certs.d/<host>/ca.crt trees) and that the volume's items put
// each file back at its path.
func TestSecretFileKeys(t *testing.T) {
	c, docker := conn(t, "docker")
	typ := *docker
	typ.Render = func(c *tether.Connection, dir string) (*tether.Rendering, error) {
		r, err := docker.Render(c, dir)
		if err != nil {
			return nil, err
		}
		r.Files["certs.d/registry.example:5000/ca.crt"] = []byte("CA 1")
		r.Files["certs.d/other.example/ca.crt"] = []byte("CA 2")
		r.Files["certs.d/other.example/client.cert"] = []byte("CERT")
		return r, nil
	}
	o := kube.DeliveryOptions{MountPath: "/kaniko/.docker"}
	s, err := kube.Secret(c, &typ, o)
	if err != nil {
		t.Fatal(err)
	}
	wantData := map[string][]byte{
		".dockerconfigjson":                    []byte(dockerConfig),
		"ca.crt":                               []byte("CA 2"),
		"client.cert":                          []byte("CERT"),
		"certs.d_registry.example_5000_ca.crt": []byte("CA 1"),
	}
	if d := cmp.Diff(wantData, s.Data); d != "" {
		t.Errorf("Secret data (-want +got):\n%s", d)
	}
	pd, err := kube.PodDefault(c, &typ, o)
	if err != nil {
		t.Fatal(err)
	}
	wantItems := []corev1.KeyToPath{
		{Key: ".dockerconfigjson", Path: "config.json"},
		{Key: "ca.crt", Path: "certs.d/other.example/ca.crt"},
		{Key: "certs.d_registry.example_5000_ca.crt", Path: "certs.d/registry.example:5000/ca.crt"},
		{Key: "client.cert", Path: "certs.d/other.example/client.cert"},
	}
	if d := cmp.Diff(wantItems, pd.Spec.Volumes[0].Secret.Items); d != "" {
		t.Errorf("volume items (-want +got):\n%s", d)
	}
}

// secretBytes decodes a base64 secret.
func secretBytes(t testing.TB, s tether.Secret) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecretTypeIsTheDeclaredOne checks, for every registered type, that
// its mounted Secret has the type and keys its declaration gives
// (KubeSecret), or is Opaque when it declares none.
func TestSecretTypeIsTheDeclaredOne(t *testing.T) {
	for _, ct := range conntype.New().Types() {
		t.Run(ct.Name, func(t *testing.T) {
			c, typ := conn(t, ct.Name)
			if len(mustRender(t, typ, c).Files) == 0 {
				t.Skipf("%s has no files to mount", ct.Name)
			}
			s, err := kube.Secret(c, typ, kube.DeliveryOptions{MountPath: "/conn"})
			if err != nil {
				t.Fatal(err)
			}
			want, keys := corev1.SecretTypeOpaque, map[string]string(nil)
			if ks := ct.KubeSecret; ks != nil {
				want, keys = corev1.SecretType(ks.Type), ks.Keys
			}
			if s.Type != want {
				t.Errorf("Secret type %s, want %s", s.Type, want)
			}
			for _, key := range keys {
				if _, ok := s.Data[key]; !ok {
					t.Errorf("Secret lacks key %s", key)
				}
			}
		})
	}
}

// mustRender renders c with its type.
func mustRender(t *testing.T, typ *tether.ConnectionType, c *tether.Connection) *tether.Rendering {
	t.Helper()
	r, err := typ.Render(c, "/conn")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSecretOfGitOverHTTPS checks that a git connection over HTTPS, which
// renders no SSH key, is delivered as an Opaque Secret holding its
// credential file, not as a kubernetes.io/ssh-auth one lacking its key.
func TestSecretOfGitOverHTTPS(t *testing.T) {
	c, typ := conn(t, "git")
	c.Spec = tether.ConnectionSpec{Type: "git", URI: "https://gitlab.com/org/test", Username: "bot",
		Password: tether.Secret(b64("glpat-token"))}
	s, err := kube.Secret(c, typ, kube.DeliveryOptions{MountPath: "/conn"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != corev1.SecretTypeOpaque || !strings.Contains(string(s.Data["git-credential"]), "password=glpat-token") {
		t.Errorf("Secret of type %s with keys %v", s.Type, slices.Sorted(maps.Keys(s.Data)))
	}
}
