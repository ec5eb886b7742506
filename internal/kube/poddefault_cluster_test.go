package kube_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// resources maps the kinds of the manifests to their API resources.
var resources = map[string]schema.GroupVersionResource{
	"Secret":     {Version: "v1", Resource: "secrets"},
	"PodDefault": {Group: "kubeflow.org", Version: "v1alpha1", Resource: "poddefaults"},
}

// strict makes the API server reject unknown or duplicate fields instead
// of dropping them, so that a manifest the schema does not describe fails.
var strict = metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}

// TestManifestsOnAPIServer creates the manifests of `tether conn render`,
// as YAML text, on a real API server with Kubeflow's PodDefault CRD, and
// reads them back unchanged.
func TestManifestsOnAPIServer(t *testing.T) {
	c := newCluster(t)
	installPodDefaultCRD(t, c.admin)
	dyn, err := dynamic.NewForConfig(c.admin)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		typ       string
		o         kube.DeliveryOptions
		keys      []string // the Secret's keys, sorted
		pathOf    string   // in mount mode: the key of config.json or id_key ...
		mountedAs string   // ... and its path in the volume
	}{
		{"s3", kube.DeliveryOptions{Name: "s3-env"}, []string{"AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
			"AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_ENDPOINT",
			"S3_FORCE_PATH_STYLE", "S3_SIGNATURE_VERSION"}, "", ""},
		{"s3", kube.DeliveryOptions{Name: "s3-items", Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
			nil, "", ""},
		{"docker", kube.DeliveryOptions{Name: "docker", MountPath: "/kaniko/.docker"},
			[]string{".dockerconfigjson"}, ".dockerconfigjson", "config.json"},
		{"git", kube.DeliveryOptions{Name: "git", MountPath: "/home/jovyan/.ssh-git"},
			[]string{"known_hosts", "ssh-privatekey"}, "ssh-privatekey", "id_key"},
	}
	for _, tc := range cases {
		t.Run(tc.o.Name, func(t *testing.T) {
			cn, typ := conn(t, tc.typ)
			tc.o.Namespace = c.ns
			manifest := render(t, cn, typ, tc.o)
			for _, sent := range decodeManifest(t, manifest) {
				got := createAndGet(t, dyn, sent)
				if d := cmp.Diff(sent.Object["spec"], got.Object["spec"]); d != "" {
					t.Errorf("%s spec changed on the server (-sent +read):\n%s", sent.GetKind(), d)
				}
				switch got.GetKind() {
				case "Secret":
					checkSecret(t, got, sent.Object["type"].(string), tc.keys)
				case "PodDefault":
					checkPodDefault(t, got, tc.o, tc.pathOf, tc.mountedAs)
				}
			}
		})
	}
	t.Run("the server validates", func(t *testing.T) {
		sshAuth := object(t, `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "no-key"},
			"type": "kubernetes.io/ssh-auth", "data": {"known_hosts": "Z2l0aHViLmNvbQ=="}}`)
		typo := object(t, `{"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault", "metadata": {"name": "typo"},
			"spec": {"selector": {"matchLabels": {"typo": "true"}}, "volumes": [{"name": "v", "secret": {"secretName": "s", "itemz": []}}]}}`)
		for _, tc := range []struct {
			obj  *unstructured.Unstructured
			want string // in the error
		}{{sshAuth, `data[ssh-privatekey]: Required value`}, {typo, `unknown field "spec.volumes[0].secret.itemz"`}} {
			tc.obj.SetNamespace(c.ns)
			_, err := dyn.Resource(resources[tc.obj.GetKind()]).Namespace(c.ns).Create(t.Context(), tc.obj, strict)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %s: got %v, want it rejected with %q", tc.obj.GetKind(), tc.obj.GetName(), err, tc.want)
			}
		}
	})
}

// render returns the manifest of a connection's Secret and PodDefault.
func render(t *testing.T, c *tether.Connection, typ *tether.ConnectionType, o kube.DeliveryOptions) []byte {
	t.Helper()
	s, err := kube.Secret(c, typ, o)
	if err != nil {
		t.Fatal(err)
	}
	pd, err := kube.PodDefault(c, typ, o)
	if err != nil {
		t.Fatal(err)
	}
	out, err := kube.ManifestYAML(s, pd)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeManifest splits a multi-document YAML manifest into objects, as
// kubectl does.
func decodeManifest(t *testing.T, manifest []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifest)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("document %d: %v\n%s", len(out), err, doc)
		}
		out = append(out, object(t, string(js)))
	}
	if len(out) != 2 {
		t.Fatalf("got %d documents, want a Secret and a PodDefault:\n%s", len(out), manifest)
	}
	return out
}

// object decodes one JSON object.
func object(t *testing.T, js string) *unstructured.Unstructured {
	t.Helper()
	obj, _, err := unstructured.UnstructuredJSONScheme.Decode([]byte(js), nil, nil)
	if err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return obj.(*unstructured.Unstructured)
}

// createAndGet creates obj with strict field validation and reads it back.
func createAndGet(t *testing.T, dyn dynamic.Interface, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	gvr, ok := resources[obj.GetKind()]
	if !ok {
		t.Fatalf("unexpected kind %q", obj.GetKind())
	}
	rc := dyn.Resource(gvr).Namespace(obj.GetNamespace())
	if _, err := rc.Create(t.Context(), obj, strict); err != nil {
		t.Fatalf("create %s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
	got, err := rc.Get(t.Context(), obj.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
	return got
}

// checkSecret checks a Secret's type and keys as the server holds them.
func checkSecret(t *testing.T, s *unstructured.Unstructured, wantType string, wantKeys []string) {
	t.Helper()
	if typ, _, _ := unstructured.NestedString(s.Object, "type"); typ != wantType {
		t.Errorf("Secret type %q, want %q", typ, wantType)
	}
	data, _, _ := unstructured.NestedMap(s.Object, "data")
	var keys []string
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if wantKeys != nil && !slices.Equal(keys, wantKeys) {
		t.Errorf("Secret keys %v, want %v", keys, wantKeys)
	}
}

// checkPodDefault checks the parts of a PodDefault that deliver the
// connection, as the server holds them.
func checkPodDefault(t *testing.T, pd *unstructured.Unstructured, o kube.DeliveryOptions, key, path string) {
	t.Helper()
	labels, _, _ := unstructured.NestedStringMap(pd.Object, "spec", "selector", "matchLabels")
	if labels[o.Name] != "true" {
		t.Errorf("selector %v", labels)
	}
	env, _, _ := unstructured.NestedSlice(pd.Object, "spec", "env")
	envFrom, _, _ := unstructured.NestedSlice(pd.Object, "spec", "envFrom")
	vols, _, _ := unstructured.NestedSlice(pd.Object, "spec", "volumes")
	switch {
	case o.MountPath != "":
		if len(vols) != 1 || len(env) == 0 {
			t.Fatalf("volumes %v, env %v", vols, env)
		}
		secret, _, _ := unstructured.NestedMap(vols[0].(map[string]any), "secret")
		if secret["secretName"] != o.Name || secret["defaultMode"] != int64(0o400) {
			t.Errorf("volume %v", secret)
		}
		items, _ := secret["items"].([]any)
		if !slices.ContainsFunc(items, func(it any) bool {
			m := it.(map[string]any)
			return m["key"] == key && m["path"] == path
		}) {
			t.Errorf("no item maps %s to %s: %v", key, path, items)
		}
	case len(o.Items) > 0:
		if len(env) != len(o.Items)+1 { // the items and TETHER_<TYPE>_CONNECTION
			t.Fatalf("env %v", env)
		}
		ref, _, _ := unstructured.NestedStringMap(env[len(o.Items)-1].(map[string]any), "valueFrom", "secretKeyRef")
		if ref["name"] != o.Name || ref["key"] != o.Items[len(o.Items)-1] {
			t.Errorf("env %v", env)
		}
	default:
		ref, _, _ := unstructured.NestedStringMap(env[0].(map[string]any), "valueFrom", "secretKeyRef")
		if len(envFrom) != 0 || len(env) < 2 || ref["name"] != o.Name {
			t.Errorf("env %v, envFrom %v", env, envFrom)
		}
	}
}

// TestPodDefaultsOnOnePodOnAPIServer gives a notebook pod two s3, two
// docker and a gcs connection (whose name leaves no room in the webhook's
// annotation), all but the first of each type prefixed and mounted apart:
// the API server accepts every object, and the pod to which the rules of
// Kubeflow's webhook applied the PodDefaults, with each variable as its
// PodDefault defines it.
func TestPodDefaultsOnOnePodOnAPIServer(t *testing.T) {
	c := newCluster(t)
	installPodDefaultCRD(t, c.admin)
	c.serviceAccount(t, "default")
	dyn, err := dynamic.NewForConfig(c.admin)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("g", 60) + "-63"
	var pds []*kube.PodDefaultObject
	var labels []string
	for _, d := range []delivered{
		{"s3", kube.DeliveryOptions{Name: "minio"}},
		{"aws", kube.DeliveryOptions{Name: "aws", Prefix: "AWS_DATA_"}},
		{"docker", kube.DeliveryOptions{Name: "hub", MountPath: "/home/jovyan/.docker"}},
		{"docker", kube.DeliveryOptions{Name: "kaniko", MountPath: "/kaniko/.docker", Prefix: "KANIKO_"}},
		{"gcs", kube.DeliveryOptions{Name: long, MountPath: "/var/run/gcs"}},
	} {
		d.o.Namespace = c.ns
		cn, typ := d.conn(t)
		for _, obj := range decodeManifest(t, render(t, cn, typ, d.o)) {
			createAndGet(t, dyn, obj)
		}
		pds, labels = append(pds, d.podDefault(t)), append(labels, d.o.Name)
	}
	pod, err := applyPodDefaults(notebookPod(c.ns, labels...), pds...)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	created, err := c.cs.CoreV1().Pods(c.ns).Create(t.Context(), pod,
		metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
	if err != nil {
		t.Fatalf("create the notebook pod: %v", err)
	}
	checkWhole(t, created.Spec.Containers[0], pds...)
	for _, pd := range pds {
		if _, ok := created.Annotations[webhookAnnotation+pd.Name]; !ok {
			t.Errorf("annotation of %s lost: %v", pd.Name, created.Annotations)
		}
	}
}

// installPodDefaultCRD installs Kubeflow's PodDefault CRD, if it is not
// there yet, and waits until it is served.
func installPodDefaultCRD(t *testing.T, cfg *rest.Config) {
	t.Helper()
	raw, err := os.ReadFile("testdata/poddefault-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
		t.Fatalf("testdata/poddefault-crd.yaml: %v", err)
	}
	cs, err := apiextclient.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	crds := cs.ApiextensionsV1().CustomResourceDefinitions()
	if _, err := crds.Create(t.Context(), &crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create the PodDefault CRD: %v", err)
	}
	eventually(t, 30*time.Second, func() bool {
		got, err := crds.Get(t.Context(), crd.Name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue {
				return true
			}
		}
		return false
	})
}
