package kube_test

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
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
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether/api/v1alpha1"
)

// The API resources of Tether's custom resources.
var (
	syncGVR        = v1alpha1.GroupVersion.WithResource("connectionsyncs")
	clusterSyncGVR = v1alpha1.GroupVersion.WithResource("clusterconnectionsyncs")
)

// installSyncCRDs applies the chart's CRDs (charts/tether/crds) with
// server-side apply, as `helm install` and `kubectl apply --server-side`
// do, and waits until the API server serves both.
func (c *cluster) installSyncCRDs(t *testing.T) map[string]*apiextv1.CustomResourceDefinition {
	t.Helper()
	objs := syncCRDFiles(t)
	c.applyAll(t, objs)
	crds := apiextclient.NewForConfigOrDie(c.admin).ApiextensionsV1().CustomResourceDefinitions()
	got := map[string]*apiextv1.CustomResourceDefinition{}
	for _, o := range objs {
		eventually(t, 30*time.Second, func() bool {
			crd, err := crds.Get(t.Context(), o.GetName(), metav1.GetOptions{})
			if err != nil {
				return false
			}
			got[crd.Spec.Names.Kind] = crd
			return slices.ContainsFunc(crd.Status.Conditions, func(c apiextv1.CustomResourceDefinitionCondition) bool {
				return c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue
			})
		})
	}
	return got
}

// syncCRDFiles reads the CRDs of the chart's crds/ directory, failing t
// unless they are the two sync CRDs.
func syncCRDFiles(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir, "crds", "*.yaml"))
	if err != nil || len(files) != 2 {
		t.Fatalf("the chart's crds/ holds %v (%v), want the two sync CRDs", files, err)
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, decodeAll(t, string(raw))...)
	}
	return objs
}

// syncObject decodes a ConnectionSync or ClusterConnectionSync written as
// YAML, with the apiVersion filled in.
func syncObject(t *testing.T, kind, name, doc string) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	o := &unstructured.Unstructured{Object: map[string]any{"spec": m}}
	o.SetAPIVersion(v1alpha1.GroupVersion.String())
	o.SetKind(kind)
	o.SetName(name)
	return o
}

// resourceOf returns the client of kind's resource: in namespace ns for a
// ConnectionSync, cluster-wide for a ClusterConnectionSync.
func resourceOf(dyn dynamic.Interface, kind, ns string) dynamic.ResourceInterface {
	if kind == "ClusterConnectionSync" {
		return dyn.Resource(clusterSyncGVR)
	}
	return dyn.Resource(syncGVR).Namespace(ns)
}

// TestSyncCRDsValidate installs the chart's CRDs on the real API server and
// creates syncs through it: valid ones are stored with their defaults
// filled in, invalid ones are refused with the field that is wrong named.
func TestSyncCRDsValidate(t *testing.T) {
	c := newCluster(t)
	c.installSyncCRDs(t)
	dyn := dynamic.NewForConfigOrDie(c.admin)
	const cs, ccs = "ConnectionSync", "ClusterConnectionSync"
	cases := []struct {
		name, kind, spec string
		wantField        string // "" when the object is accepted
	}{
		{"minimal", cs, `connection: {id: s3-data}`, ""},
		{"env items and restart targets", cs, `{connection: {namespace: team-a, id: s3-data}, secretName: s3.data,
			podDefault: {label: s3-data, desc: "S3 of team A", items: [AWS_ACCESS_KEY_ID], prefix: TEAM_A_},
			deletionPolicy: Retain, resyncInterval: 10m,
			restartTargets: [{kind: Deployment, name: web}, {kind: StatefulSet, name: db}, {kind: DaemonSet, name: agent}]}`, ""},
		{"mount path", cs, `{connection: {id: git}, podDefault: {mountPath: /home/jovyan/.ssh-git}}`, ""},
		{"service account", cs, `{connection: {id: s3-data}, serviceAccountName: default-editor}`, ""},
		{"bad service account", cs, `{connection: {id: s3-data}, serviceAccountName: Default_Editor}`, "spec.serviceAccountName"},
		{"cluster minimal", ccs, `{namespaceSelector: {matchLabels: {app.kubernetes.io/part-of: kubeflow-profile}},
			connection: {id: s3-data}}`, ""},
		{"cluster selects all", ccs, `{namespaceSelector: {}, connection: {id: s3-data}, podDefault: {}}`, ""},
		{"bad connection id", cs, `connection: {id: S3_Data}`, "spec.connection.id"},
		{"missing connection id", cs, `connection: {namespace: team-a}`, "spec.connection.id"},
		{"bad connection namespace", cs, `connection: {namespace: Team, id: s3}`, "spec.connection.namespace"},
		{"bad secret name", cs, `{connection: {id: s3}, secretName: S3}`, "spec.secretName"},
		{"mount path and items", cs, `{connection: {id: s3}, podDefault: {mountPath: /data, items: [A]}}`, "spec.podDefault"},
		{"relative mount path", cs, `{connection: {id: s3}, podDefault: {mountPath: data}}`, "spec.podDefault.mountPath"},
		{"unclean mount path", cs, `{connection: {id: s3}, podDefault: {mountPath: /data/../etc}}`, "spec.podDefault.mountPath"},
		{"root mount path", cs, `{connection: {id: s3}, podDefault: {mountPath: /}}`, "spec.podDefault.mountPath"},
		{"bad item", cs, `{connection: {id: s3}, podDefault: {items: [A-B]}}`, "spec.podDefault.items[0]"},
		{"bad prefix", cs, `{connection: {id: s3}, podDefault: {prefix: 1X}}`, "spec.podDefault.prefix"},
		{"bad label", cs, `{connection: {id: s3}, podDefault: {label: A}}`, "spec.podDefault.label"},
		{"unknown restart kind", cs, `{connection: {id: s3}, restartTargets: [{kind: Job, name: x}]}`,
			"spec.restartTargets[0].kind"},
		{"duplicate restart target", cs, `{connection: {id: s3},
			restartTargets: [{kind: Deployment, name: x}, {kind: Deployment, name: x}]}`, "spec.restartTargets[1]"},
		{"bad deletion policy", cs, `{connection: {id: s3}, deletionPolicy: Keep}`, "spec.deletionPolicy"},
		{"short resync interval", cs, `{connection: {id: s3}, resyncInterval: 1s}`, "spec.resyncInterval"},
		{"resync interval not a duration", cs, `{connection: {id: s3}, resyncInterval: soon}`, "spec.resyncInterval"},
		{"cluster without namespace selector", ccs, `connection: {id: s3}`, "spec.namespaceSelector"},
		{"cluster bad connection id", ccs, `{namespaceSelector: {}, connection: {id: "-s3"}}`, "spec.connection.id"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("%s-%d", c.ns, i)
			o := syncObject(t, tc.kind, name, tc.spec)
			ri := resourceOf(dyn, tc.kind, c.ns)
			got, err := ri.Create(t.Context(), o, strict)
			if tc.wantField != "" {
				if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.wantField) {
					t.Fatalf("create: got error %v, want Invalid naming %s", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			t.Cleanup(func() { _ = ri.Delete(t.Context(), name, metav1.DeleteOptions{}) })
			checkDefaults(t, o, got)
		})
	}
}

// checkDefaults checks that the stored spec is the one sent with the
// schema's defaults filled in, as the typed v1alpha1 spec reads it.
func checkDefaults(t *testing.T, sent, got *unstructured.Unstructured) {
	t.Helper()
	var spec v1alpha1.DeliverySpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(got.Object["spec"].(map[string]any), &spec); err != nil {
		t.Fatalf("read the stored spec as v1alpha1.DeliverySpec: %v", err)
	}
	want, _, _ := unstructured.NestedString(sent.Object, "spec", "deletionPolicy")
	if want == "" {
		want = string(v1alpha1.DeletionPolicyDelete)
	}
	if spec.DeletionPolicy != v1alpha1.DeletionPolicy(want) {
		t.Errorf("stored deletionPolicy %q, want %q", spec.DeletionPolicy, want)
	}
	wantNS, _, _ := unstructured.NestedString(sent.Object, "spec", "connection", "namespace")
	if wantNS == "" {
		wantNS = "default"
	}
	if spec.Connection.Namespace != wantNS {
		t.Errorf("stored connection.namespace %q, want %q", spec.Connection.Namespace, wantNS)
	}
	if got.GetKind() != "ConnectionSync" {
		return
	}
	sa, _, _ := unstructured.NestedString(got.Object, "spec", "serviceAccountName")
	wantSA, _, _ := unstructured.NestedString(sent.Object, "spec", "serviceAccountName")
	if wantSA == "" {
		wantSA = "default"
	}
	if sa != wantSA {
		t.Errorf("stored serviceAccountName %q, want %q", sa, wantSA)
	}
}

// TestSyncCRDsColumnsAndNames checks what kubectl shows of the syncs: the
// printer columns, short names and category of both CRDs, and their scope.
func TestSyncCRDsColumnsAndNames(t *testing.T) {
	c := newCluster(t)
	crds := c.installSyncCRDs(t)
	cases := []struct {
		kind, short string
		scope       apiextv1.ResourceScope
		columns     []string
	}{
		{"ConnectionSync", "csync", apiextv1.NamespaceScoped,
			[]string{"Connection", "Secret", "Ready", "Version", "Age"}},
		{"ClusterConnectionSync", "ccsync", apiextv1.ClusterScoped,
			[]string{"Connection", "Secret", "Ready", "Version", "Namespaces", "Ready-Namespaces", "Age"}},
	}
	for _, tc := range cases {
		crd := crds[tc.kind]
		if crd == nil {
			t.Fatalf("no CRD of kind %s", tc.kind)
		}
		if crd.Spec.Scope != tc.scope || !slices.Equal(crd.Spec.Names.ShortNames, []string{tc.short}) ||
			!slices.Equal(crd.Spec.Names.Categories, []string{"tether"}) {
			t.Errorf("%s: scope %s, short names %v, categories %v; want %s, [%s], [tether]", tc.kind,
				crd.Spec.Scope, crd.Spec.Names.ShortNames, crd.Spec.Names.Categories, tc.scope, tc.short)
		}
		var cols []string
		for _, col := range crd.Spec.Versions[0].AdditionalPrinterColumns {
			cols = append(cols, col.Name)
		}
		if d := cmp.Diff(tc.columns, cols); d != "" {
			t.Errorf("%s printer columns (-want +got):\n%s", tc.kind, d)
		}
	}
}

// TestSyncCRDsStatusSubresource writes the status of both kinds through the
// status subresource, as the controller will: the status is stored, the
// spec sent along is ignored, and metadata.generation does not move; an
// update of the object itself ignores the status.
func TestSyncCRDsStatusSubresource(t *testing.T) {
	c := newCluster(t)
	c.installSyncCRDs(t)
	dyn := dynamic.NewForConfigOrDie(c.admin)
	status := v1alpha1.SyncStatus{ObservedGeneration: 1, DeliveredVersion: 7,
		LastSyncTime: &metav1.Time{Time: time.Now().UTC().Truncate(time.Second)},
		Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
			Reason: v1alpha1.ReasonTetherUnavailable, Message: "tether is unreachable",
			LastTransitionTime: metav1.Now().Rfc3339Copy(), ObservedGeneration: 1}}}
	spec := v1alpha1.DeliverySpec{Connection: v1alpha1.ConnectionRef{ID: "s3-data"}}
	objs := []runtime.Object{
		&v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: "status", Namespace: c.ns},
			Spec: v1alpha1.ConnectionSyncSpec{DeliverySpec: spec}, Status: status},
		&v1alpha1.ClusterConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: c.ns + "-status"},
			Spec:   v1alpha1.ClusterConnectionSyncSpec{DeliverySpec: spec},
			Status: v1alpha1.ClusterConnectionSyncStatus{SyncStatus: status, Namespaces: 3, ReadyNamespaces: 2}},
	}
	for _, typed := range objs {
		u := toUnstructured(t, typed)
		t.Run(u.GetKind(), func(t *testing.T) {
			ri := resourceOf(dyn, u.GetKind(), c.ns)
			created, err := ri.Create(t.Context(), u, strict)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			t.Cleanup(func() { _ = ri.Delete(t.Context(), u.GetName(), metav1.DeleteOptions{}) })
			if _, ok := created.Object["status"]; ok {
				t.Errorf("create stored a status: %v", created.Object["status"])
			}
			u.SetResourceVersion(created.GetResourceVersion())
			_ = unstructured.SetNestedField(u.Object, "other", "spec", "connection", "id")
			updated, err := ri.UpdateStatus(t.Context(), u, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("update the status: %v", err)
			}
			if d := cmp.Diff(u.Object["status"], updated.Object["status"]); d != "" {
				t.Errorf("stored status (-sent +stored):\n%s", d)
			}
			if id, _, _ := unstructured.NestedString(updated.Object, "spec", "connection", "id"); id != "s3-data" ||
				updated.GetGeneration() != created.GetGeneration() {
				t.Errorf("the status update changed the spec (id %q) or generation (%d, was %d)",
					id, updated.GetGeneration(), created.GetGeneration())
			}
			updated.Object["status"] = map[string]any{"deliveredVersion": int64(99)}
			again, err := ri.Update(t.Context(), updated, strictUpdate)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if v, _, _ := unstructured.NestedInt64(again.Object, "status", "deliveredVersion"); v != 7 {
				t.Errorf("an update of the object set status.deliveredVersion to %d, want it kept at 7", v)
			}
		})
	}
}

// strictUpdate is strict field validation for updates.
var strictUpdate = metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict}

// toUnstructured converts a typed object of v1alpha1 to the form the
// dynamic client sends, with its apiVersion and kind.
func toUnstructured(t *testing.T, o runtime.Object) *unstructured.Unstructured {
	t.Helper()
	s := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	gvks, _, err := s.ObjectKinds(o)
	if err != nil {
		t.Fatalf("the v1alpha1 scheme does not know %T: %v", o, err)
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.DeepCopyObject())
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvks[0])
	return u
}

// TestChartShipsSyncCRDs renders the chart with its CRDs, as `helm install`
// installs them before the templates: the two sync CRDs are there, equal
// to the files of crds/, and the API server accepts them.
func TestChartShipsSyncCRDs(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	c := newCluster(t)
	out, err := helm(t, "template", "tether", chartDir, "--namespace", c.ns, "--include-crds")
	if err != nil {
		t.Fatalf("helm template --include-crds: %v", err)
	}
	rendered := map[string]any{}
	for _, o := range decodeAll(t, out) {
		if o.GetKind() == "CustomResourceDefinition" {
			rendered[o.GetName()] = o.Object
		}
	}
	files := map[string]any{}
	for _, o := range syncCRDFiles(t) {
		files[o.GetName()] = o.Object
	}
	if d := cmp.Diff(files, rendered); d != "" {
		t.Errorf("the CRDs helm renders differ from crds/ (-files +rendered):\n%s", d)
	}
	if _, ok := rendered["connectionsyncs.tether.ml"]; !ok {
		t.Errorf("helm renders no connectionsyncs.tether.ml CRD (CRDs: %v)", slices.Collect(maps.Keys(rendered)))
	}
	c.installSyncCRDs(t)
}

// decodeAll decodes every object of a multi-document YAML stream.
func decodeAll(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(stream), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return objs
		} else if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}
