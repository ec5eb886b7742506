package kube_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
)

// awsS3 returns a second valid s3 connection, "aws-data": AWS itself, no
// endpoint nor session token, other keys than conn's.
func awsS3(t testing.TB) *tether.Connection {
	t.Helper()
	c := &tether.Connection{Kind: tether.Kind, ID: "aws-data", Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://aws-data/input", Region: "us-east-1",
		KeyID: tether.Secret(b64("AKIAOTHERKEY0000000")), KeySecret: tether.Secret(b64("other/secret/key"))}}
	if err := conntype.New().Validate(c); err != nil {
		t.Fatal(err)
	}
	return c
}

// delivered is one connection rendered for a pod.
type delivered struct {
	typ string // fixture type; "aws" is awsS3
	o   kube.DeliveryOptions
}

// conn returns the connection of d and its type.
func (d delivered) conn(t *testing.T) (*tether.Connection, *tether.ConnectionType) {
	t.Helper()
	if d.typ == "aws" {
		return awsS3(t), conntype.New().Type("s3")
	}
	return conn(t, d.typ)
}

// podDefault returns the PodDefault of d.
func (d delivered) podDefault(t *testing.T) *kube.PodDefaultObject {
	t.Helper()
	c, typ := d.conn(t)
	pd, err := kube.PodDefault(c, typ, d.o)
	if err != nil {
		t.Fatal(err)
	}
	return pd
}

// TestPodDefaultsOfOneTypeOnOnePod applies two PodDefaults to one pod by
// the rules of Kubeflow's webhook: two connections of one type are
// refused with a conflict naming a variable, never mixed, unless each has
// its own prefix (and mount path), when both apply whole.
func TestPodDefaultsOfOneTypeOnOnePod(t *testing.T) {
	env := func(name string, items ...string) kube.DeliveryOptions {
		return kube.DeliveryOptions{Name: name, Items: items}
	}
	mount := func(name, path, prefix string) kube.DeliveryOptions {
		return kube.DeliveryOptions{Name: name, MountPath: path, Prefix: prefix}
	}
	prefixed := func(name, prefix string) kube.DeliveryOptions {
		return kube.DeliveryOptions{Name: name, Prefix: prefix}
	}
	cases := []struct {
		name     string
		a, b     delivered
		conflict string // in the refusal; "" when both apply
	}{
		{"s3 env, MinIO and AWS", delivered{"s3", env("minio")}, delivered{"aws", env("aws")},
			"conflict on AWS_ACCESS_KEY_ID"},
		{"s3 env, one connection under two names", delivered{"s3", env("a")}, delivered{"s3", env("b")},
			"conflict on AWS_SECRET_ACCESS_KEY"},
		{"s3 items with no key in common", delivered{"s3", env("minio", "S3_ENDPOINT")},
			delivered{"aws", env("aws", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}, "conflict on TETHER_S3_CONNECTION"},
		{"s3 env and mounted", delivered{"s3", env("minio")}, delivered{"aws", mount("aws", "/home/jovyan/.aws", "")},
			"conflict on AWS_REGION"},
		{"s3 mounted twice", delivered{"s3", mount("minio", "/home/jovyan/.aws", "")},
			delivered{"aws", mount("aws", "/home/jovyan/.aws-b", "")}, "conflict on AWS_SHARED_CREDENTIALS_FILE"},
		{"docker mounted twice", delivered{"docker", mount("a", "/home/jovyan/.docker", "")},
			delivered{"docker", mount("b", "/kaniko/.docker", "")}, "conflict on DOCKER_CONFIG"},
		{"git mounted twice", delivered{"git", mount("a", "/home/jovyan/.ssh-a", "")},
			delivered{"git", mount("b", "/home/jovyan/.ssh-b", "")}, "conflict on GIT_SSH_COMMAND"},
		{"gcs at one path", delivered{"gcs", mount("a", "/var/run/gcs", "")},
			delivered{"gcs", mount("b", "/var/run/gcs", "")}, "conflict on mount path /var/run/gcs"},
		{"azureblob env twice", delivered{"azureblob", env("a")}, delivered{"azureblob", env("b")},
			"conflict on AZURE_STORAGE_SAS_TOKEN"},
		{"s3 prefixed, one plain", delivered{"s3", env("minio")}, delivered{"aws", prefixed("aws", "AWS_DATA_")}, ""},
		{"s3 both prefixed", delivered{"s3", prefixed("minio", "MINIO_")}, delivered{"aws", prefixed("aws", "AWS_DATA_")}, ""},
		{"s3 mounted, prefixed", delivered{"s3", mount("minio", "/home/jovyan/.aws", "")},
			delivered{"aws", mount("aws", "/home/jovyan/.aws-b", "B_")}, ""},
		{"docker mounted, prefixed", delivered{"docker", mount("a", "/home/jovyan/.docker", "")},
			delivered{"docker", mount("b", "/kaniko/.docker", "KANIKO_")}, ""},
		{"prefixed at one path", delivered{"gcs", mount("a", "/var/run/gcs", "")},
			delivered{"gcs", mount("b", "/var/run/gcs", "B_")}, "conflict on mount path /var/run/gcs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tc.a.podDefault(t), tc.b.podDefault(t)
			pod, err := applyPodDefaults(notebookPod("user", a.Name, b.Name), a, b)
			if tc.conflict != "" {
				if err == nil || !strings.Contains(err.Error(), tc.conflict) {
					t.Fatalf("applied: %v; want the pod refused with %q", err, tc.conflict)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			checkWhole(t, pod.Spec.Containers[0], a, b)
		})
	}
}

// checkWhole checks that the container got every variable of a and b as
// they define it, and no envFrom, whose keys nothing checks.
func checkWhole(t *testing.T, ctr corev1.Container, pds ...*kube.PodDefaultObject) {
	t.Helper()
	if len(ctr.EnvFrom) > 0 {
		t.Errorf("envFrom %v", ctr.EnvFrom)
	}
	got := map[string]string{}
	for _, v := range ctr.Env {
		got[v.Name] = fmt.Sprint(v.Value, v.ValueFrom)
	}
	for _, pd := range pds {
		for _, v := range pd.Spec.Env {
			if got[v.Name] != fmt.Sprint(v.Value, v.ValueFrom) {
				t.Errorf("%s: %s is %q, want %q", pd.Name, v.Name, got[v.Name], fmt.Sprint(v.Value, v.ValueFrom))
			}
		}
	}
}

// TestPodDefaultContainerOwnVariable checks that a variable the notebook
// sets itself refuses the pod, rather than silently replacing the
// connection's (as it would an envFrom key).
func TestPodDefaultContainerOwnVariable(t *testing.T) {
	pd := delivered{"s3", kube.DeliveryOptions{Name: "minio"}}.podDefault(t)
	pod := notebookPod("user", pd.Name)
	pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env, corev1.EnvVar{Name: "S3_ENDPOINT", Value: "https://s3.amazonaws.com"})
	if _, err := applyPodDefaults(pod, pd); err == nil || !strings.Contains(err.Error(), "conflict on S3_ENDPOINT") {
		t.Fatalf("got %v, want the pod refused on S3_ENDPOINT", err)
	}
}

// TestPodDefaultNameFitsAnnotation checks that the PodDefault of any valid
// id can annotate a pod: Kubeflow's webhook sets
// poddefault.admission.kubeflow.org/poddefault-<name>, a qualified name
// whose name part is at most 63 characters.
func TestPodDefaultNameFitsAnnotation(t *testing.T) {
	c, typ := conn(t, "s3")
	seen := map[string]string{}
	for n := 50; n <= 63; n++ {
		for _, last := range []string{"1", "2"} {
			id := strings.Repeat("a", n-2) + "-" + last
			if n == 63 {
				id = strings.Repeat("a", 51) + "-" + strings.Repeat("b", 10) + last
			}
			c.ID = id
			pd, err := kube.PodDefault(c, typ, kube.DeliveryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			name := pd.Name
			if errs := validation.IsQualifiedName(webhookAnnotation + name); len(errs) > 0 {
				t.Errorf("id of %d characters: annotation %s: %v", n, webhookAnnotation+name, errs)
			}
			if errs := validation.IsDNS1123Label(name); len(errs) > 0 || len(name) > 52 {
				t.Errorf("id of %d characters: PodDefault name %q (%d characters): %v", n, name, len(name), errs)
			}
			if n <= 52 && name != id {
				t.Errorf("id %s: PodDefault named %s, want the id", id, name)
			}
			if other, dup := seen[name]; dup {
				t.Errorf("ids %s and %s share the PodDefault name %s", other, id, name)
			}
			seen[name] = id
			if pd.Spec.Selector.MatchLabels[id] != "true" {
				t.Errorf("id %s: selector %v, want the id as label", id, pd.Spec.Selector.MatchLabels)
			}
		}
	}
}

// TestPodDefaultBadPrefix checks that a prefix that cannot begin a
// variable name is refused, naming the flag.
func TestPodDefaultBadPrefix(t *testing.T) {
	c, typ := conn(t, "s3")
	for _, prefix := range []string{"1A_", "A-B_", "A B", "A=", strings.Repeat("A", 65), "\x1b[2J"} {
		_, err := kube.PodDefault(c, typ, kube.DeliveryOptions{Prefix: prefix})
		wantInvalid(t, err, c, "--prefix: must be letters, digits and '_', not starting with a digit, at most 64 characters, e.g. TEAM_B_")
	}
}
