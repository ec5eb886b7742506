package controller

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// injectAPI returns the admin configuration of the test API server and a
// client of it with the controller's scheme.
func injectAPI(t *testing.T) (*rest.Config, client.WithWatch) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubetest.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, c
}

// injectNamespace creates a namespace named prefix-<random> with labels
// and returns its name. Namespaces never finish terminating on the test
// API server, so none is deleted.
func injectNamespace(t *testing.T, c client.Client, prefix string, labels map[string]string) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-" + hex.EncodeToString(b), Labels: labels}}
	if err := c.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// podTemplate is a minimal valid pod template labelled app: name.
func podTemplate(name string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}},
	}
}

// createWorkloads creates a Deployment, a StatefulSet and a DaemonSet
// named name in ns, and returns them as restart targets.
func createWorkloads(t *testing.T, c client.Client, ns, name string) []v1alpha1.RestartTarget {
	t.Helper()
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	meta := metav1.ObjectMeta{Namespace: ns, Name: name}
	objs := []client.Object{
		&appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: sel, Template: podTemplate(name)}},
		&appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: sel, Template: podTemplate(name)}},
		&appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: sel, Template: podTemplate(name)}},
	}
	for _, o := range objs {
		if err := c.Create(t.Context(), o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}
	return []v1alpha1.RestartTarget{
		{Kind: v1alpha1.RestartDeployment, Name: name},
		{Kind: v1alpha1.RestartStatefulSet, Name: name},
		{Kind: v1alpha1.RestartDaemonSet, Name: name},
	}
}

// templateState is a workload's resourceVersion and pod-template
// annotations, as stored.
type templateState struct {
	Version     string
	Annotations map[string]string
}

// readTemplate reads the stored state of target in ns.
func readTemplate(t *testing.T, c client.Client, ns string, target v1alpha1.RestartTarget) templateState {
	t.Helper()
	obj, tmpl, err := workload(target.Kind)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: target.Name}, obj); err != nil {
		t.Fatalf("get %s/%s: %v", target.Kind, target.Name, err)
	}
	return templateState{obj.GetResourceVersion(), tmpl.Annotations}
}

// TestRestartTargets annotates real workloads: the annotation appears,
// follows the hash, costs no write when the hash is unchanged, and a
// missing target is named without stopping the others.
func TestRestartTargets(t *testing.T) {
	_, api := injectAPI(t)
	ns := injectNamespace(t, api, "restart", nil)
	targets := createWorkloads(t, api, ns, "web")
	// The API server drops a patch that changes nothing without a new
	// resourceVersion, so writes are counted as they are sent.
	var writes int
	c := writeCounter(api, &writes)
	long := strings.Repeat("s", 70)
	steps := []struct {
		name, secret, hash string
		missing            bool // add a missing Deployment and DaemonSet to the targets
		write              bool // the workloads are written
	}{
		{"first delivery", "s3-data", "h1", false, true},
		{"same hash", "s3-data", "h1", false, false},
		{"new hash", "s3-data", "h2", false, true},
		{"same hash, one target missing", "s3-data", "h2", true, false},
		{"new hash, one target missing", "s3-data", "h3", true, true},
		{"long secret name", long, "h1", false, true},
	}
	for _, s := range steps {
		before := map[v1alpha1.RestartKind]templateState{}
		for _, tg := range targets {
			before[tg.Kind] = readTemplate(t, c, ns, tg)
		}
		asked := targets
		if s.missing {
			asked = append([]v1alpha1.RestartTarget{{Kind: v1alpha1.RestartDeployment, Name: "gone"}}, targets...)
			asked = append(asked, v1alpha1.RestartTarget{Kind: v1alpha1.RestartDaemonSet, Name: "gone-too"})
		}
		writes = 0
		err := restartTargets(t.Context(), c, ns, asked, s.secret, s.hash)
		if want := map[bool]int{true: len(targets)}[s.write]; writes != want {
			t.Errorf("%s: %d writes, want %d", s.name, writes, want)
		}
		switch {
		case s.missing && (tether.ErrorCode(err) != tether.ENOTFOUND || !strings.Contains(err.Error(), "Deployment/gone, DaemonSet/gone-too")):
			t.Errorf("%s: error %v, want not_found naming Deployment/gone and DaemonSet/gone-too", s.name, err)
		case !s.missing && err != nil:
			t.Errorf("%s: %v", s.name, err)
		}
		key := checksumAnnotation(s.secret)
		if errs := validation.IsQualifiedName(key); len(errs) > 0 {
			t.Errorf("%s: annotation %s: %v", s.name, key, errs)
		}
		for _, tg := range targets {
			after := readTemplate(t, c, ns, tg)
			if got := after.Annotations[key]; got != s.hash {
				t.Errorf("%s: %s annotation %s = %q, want %q", s.name, tg.Kind, key, got, s.hash)
			}
			if wrote := after.Version != before[tg.Kind].Version; wrote != s.write {
				t.Errorf("%s: %s written = %v, want %v", s.name, tg.Kind, wrote, s.write)
			}
		}
	}
}

// TestChecksumAnnotation checks the shortening of long Secret names: two
// names sharing their first 54 characters get two annotations.
func TestChecksumAnnotation(t *testing.T) {
	a, b := strings.Repeat("a", 64)+"x", strings.Repeat("a", 64)+"y"
	cases := map[string]string{
		"s3-data":               checksumPrefix + "s3-data",
		strings.Repeat("a", 63): checksumPrefix + strings.Repeat("a", 63),
	}
	for in, want := range cases {
		if got := checksumAnnotation(in); got != want {
			t.Errorf("checksumAnnotation(%q) = %q, want %q", in, got, want)
		}
	}
	ka, kb := checksumAnnotation(a), checksumAnnotation(b)
	if ka == kb || len(strings.TrimPrefix(ka, checksumPrefix)) != 63 || !strings.HasPrefix(ka, checksumPrefix+a[:54]+"-") {
		t.Errorf("long names: %q and %q, want distinct 63-character name parts starting with 54 characters and -", ka, kb)
	}
}
