package controller

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// writeCounter wraps c, counting the writes it sends.
func writeCounter(c client.WithWatch, n *int) client.WithWatch {
	return interceptor.NewClient(c, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.CreateOption) error {
			*n++
			return c.Create(ctx, o, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.UpdateOption) error {
			*n++
			return c.Update(ctx, o, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, o client.Object, p client.Patch, opts ...client.PatchOption) error {
			*n++
			return c.Patch(ctx, o, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.DeleteOption) error {
			*n++
			return c.Delete(ctx, o, opts...)
		},
	})
}

// installAccessCRD applies Kubeflow's PodDefault CRD and waits until the
// API server serves it.
func installAccessCRD(t *testing.T, c client.Client) {
	t.Helper()
	applyCRDFile(t, c, "../kube/testdata/poddefault-crd.yaml", "apiextensions.k8s.io/v1", "CustomResourceDefinition")
	eventuallyInject(t, 30*time.Second, "the PodDefault CRD is served", func() bool {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(podDefaultGVK.GroupVersion().WithKind("PodDefaultList"))
		return c.List(t.Context(), l) == nil
	})
}

// readAccess reads the stored access-tether PodDefault of ns, or nil.
func readAccess(t *testing.T, c client.Client, ns string) *kube.PodDefaultObject {
	t.Helper()
	u := newPodDefault()
	err := c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: kube.AccessName}, u)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var pd kube.PodDefaultObject
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &pd); err != nil {
		t.Fatal(err)
	}
	return &pd
}

// wantAccessSpec is the access-tether PodDefault's spec for url, as
// Kubeflow Pipelines' access-ml-pipeline is for its API.
func wantAccessSpec(url string) kube.PodDefaultSpec {
	expiry := int64(3600)
	return kube.PodDefaultSpec{
		Selector: metav1.LabelSelector{MatchLabels: map[string]string{"access-tether": "true"}},
		Desc:     "Allow access to Tether",
		Env: []corev1.EnvVar{{Name: "TETHER_URL", Value: url},
			{Name: "TETHER_TOKEN_PATH", Value: "/var/run/secrets/tether/token"}},
		Volumes: []corev1.Volume{{Name: "tether-token", VolumeSource: corev1.VolumeSource{
			Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
				ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
					Audience: "tether", ExpirationSeconds: &expiry, Path: "token"}}}}}}},
		VolumeMounts: []corev1.VolumeMount{{Name: "tether-token", MountPath: "/var/run/secrets/tether", ReadOnly: true}},
	}
}

// TestNotebookAccessPodDefault keeps the access-tether PodDefault on the
// real API server: created as specified, not written again when it is
// right, put back when edited, updated with the URL, removed only when
// the controller manages it.
func TestNotebookAccessPodDefault(t *testing.T) {
	_, api := injectAPI(t)
	installAccessCRD(t, api)
	var writes int
	c := writeCounter(api, &writes)
	ns := injectNamespace(t, api, "access", nil)
	const url1, url2 = "https://tether.example", "https://tether.example:8443/base"
	editURL := func(to string) func() {
		return func() {
			u := newPodDefault()
			if err := api.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: kube.AccessName}, u); err != nil {
				t.Fatal(err)
			}
			_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"name": "TETHER_URL", "value": to}}, "spec", "env")
			if err := api.Update(t.Context(), u); err != nil {
				t.Fatal(err)
			}
		}
	}
	steps := []struct {
		name   string
		before func()
		url    string
		remove bool
		writes int
		want   string // TETHER_URL of the stored PodDefault; "" for none
	}{
		{name: "create", url: url1, writes: 1, want: url1},
		{name: "unchanged", url: url1, writes: 0, want: url1},
		{name: "edited by hand", before: editURL("https://evil.example"), url: url1, writes: 1, want: url1},
		{name: "new URL", url: url2, writes: 1, want: url2},
		{name: "remove", remove: true, writes: 1},
		{name: "remove again", remove: true, writes: 0},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		writes = 0
		n := notebookAccess{URL: s.url, Audience: "tether"}
		var err error
		if s.remove {
			err = n.remove(t.Context(), c, ns)
		} else {
			err = n.ensure(t.Context(), c, ns)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if writes != s.writes {
			t.Errorf("%s: %d writes, want %d", s.name, writes, s.writes)
		}
		got := readAccess(t, api, ns)
		switch {
		case s.want == "" && got != nil:
			t.Errorf("%s: the PodDefault is still there", s.name)
		case s.want == "":
		case got == nil:
			t.Errorf("%s: no PodDefault", s.name)
		default:
			if d := cmp.Diff(wantAccessSpec(s.want), got.Spec); d != "" {
				t.Errorf("%s: spec (-want +got):\n%s", s.name, d)
			}
			if got.Labels["app.kubernetes.io/managed-by"] != "tether-controller" {
				t.Errorf("%s: labels %v, want app.kubernetes.io/managed-by=tether-controller", s.name, got.Labels)
			}
		}
	}
}

// TestNotebookAccessLeavesOthers checks that a PodDefault access-tether
// that the controller does not manage is neither overwritten nor removed,
// and that a bad URL is refused before any write.
func TestNotebookAccessLeavesOthers(t *testing.T) {
	_, api := injectAPI(t)
	installAccessCRD(t, api)
	var writes int
	c := writeCounter(api, &writes)
	ns := injectNamespace(t, api, "access-theirs", nil)
	theirs := newPodDefault()
	theirs.SetNamespace(ns)
	theirs.SetName(kube.AccessName)
	theirs.Object["spec"] = map[string]any{"desc": "mine", "selector": map[string]any{}}
	if err := api.Create(t.Context(), theirs); err != nil {
		t.Fatal(err)
	}
	n := notebookAccess{URL: "https://tether.example", Audience: "tether"}
	if err := n.ensure(t.Context(), c, ns); tether.ErrorCode(err) != tether.ECONFLICT {
		t.Errorf("ensure over another's PodDefault: %v, want conflict", err)
	}
	if err := n.remove(t.Context(), c, ns); err != nil {
		t.Errorf("remove another's PodDefault: %v", err)
	}
	if got := readAccess(t, api, ns); got == nil || got.Spec.Desc != "mine" {
		t.Errorf("another's PodDefault became %+v", got)
	}
	for _, bad := range []notebookAccess{{URL: "", Audience: "tether"}, {URL: "tether.example", Audience: "tether"},
		{URL: "https://u:p@tether.example", Audience: "tether"}, {URL: "https://tether.example"}} {
		if err := bad.ensure(t.Context(), c, ns); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("ensure %+v: %v, want invalid", bad, err)
		}
	}
	if writes != 0 {
		t.Errorf("%d writes, want none", writes)
	}
}

// TestNotebookAccessReadsConnection follows a notebook through the
// access-tether PodDefault: a token minted for a ServiceAccount of the
// namespace exactly as the projected volume asks (audience, expiry), at
// the path TETHER_TOKEN_PATH names, lets the tether CLI with the
// PodDefault's TETHER_URL read a connection a Tether role binding grants
// that ServiceAccount, and is refused without the binding.
func TestNotebookAccessReadsConnection(t *testing.T) {
	cfg, api := injectAPI(t)
	installAccessCRD(t, api)
	srv := notebookTether(t)
	ns := injectNamespace(t, api, "notebook", nil)
	file := filepath.Join(t.TempDir(), "s3.yaml")
	conn := "kind: Connection\nid: nb-data\nspec:\n  type: s3\n  uri: s3://nb-bucket/data\n  region: us-east-1\n" +
		"  keyID: QUtJQUVYQU1QTEU=\n  keySecret: c2VjcmV0LWtleQ==\n"
	if err := os.WriteFile(file, []byte(conn), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.admin(t, "", "conn", "create", "-f", file)
	if err := (notebookAccess{URL: srv.url, Audience: kube.DefaultAudience}).ensure(t.Context(), api, ns); err != nil {
		t.Fatal(err)
	}
	pd := readAccess(t, api, ns)
	env := map[string]string{}
	for _, e := range pd.Spec.Env {
		env[e.Name] = e.Value
	}
	proj := pd.Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken
	if want := pd.Spec.VolumeMounts[0].MountPath + "/" + proj.Path; env["TETHER_TOKEN_PATH"] != want {
		t.Fatalf("TETHER_TOKEN_PATH = %q, want the mounted token %q", env["TETHER_TOKEN_PATH"], want)
	}
	const sa = "default-editor"
	token := mintProjected(t, cfg, ns, sa, proj)
	nb := map[string]string{"TETHER_URL": env["TETHER_URL"],
		"TETHER_TOKEN_PATH": writeMounted(t, t.TempDir(), env["TETHER_TOKEN_PATH"], token)}
	if out, ok := srv.cli(t, nb, "", "conn", "get", "nb-data", "-o", "json"); ok || strings.Contains(out, "nb-bucket") {
		t.Errorf("without a role binding the notebook read the connection: %s", out)
	}
	srv.admin(t, "", "rolebinding", "create", "--namespace", "default", "--role", "user",
		"--subject", "serviceaccount:"+ns+":"+sa)
	out, ok := srv.cli(t, nb, "", "conn", "get", "nb-data", "-o", "json")
	if !ok || !strings.Contains(out, "nb-bucket") {
		t.Errorf("with a role binding the notebook cannot read the connection: %s", out)
	}
}

// mintProjected requests a token for ServiceAccount ns/name (created if
// needed) as the kubelet does for projection p: its audience and expiry.
func mintProjected(t *testing.T, cfg *rest.Config, ns, name string, p *corev1.ServiceAccountTokenProjection) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(t.Context(), sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{Audiences: []string{p.Audience}, ExpirationSeconds: p.ExpirationSeconds}}
	res, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(t.Context(), name, req, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s/%s: %v", ns, name, err)
	}
	var want time.Duration
	if p.ExpirationSeconds != nil {
		want = time.Duration(*p.ExpirationSeconds) * time.Second
	}
	if left := time.Until(res.Status.ExpirationTimestamp.Time); left > want || left < want-time.Minute {
		t.Errorf("the token expires in %v, want the projection's %v", left, want)
	}
	return res.Status.Token
}
