package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/delivery"
	"github.com/tether-ml/tether/internal/kube"
)

// converge bounds the wait for the controller to act on a change.
const converge = 20 * time.Second

// newSync is a ConnectionSync of connection id in Tether's default
// namespace, read as the default ServiceAccount.
func newSync(name, id string, policy v1alpha1.DeletionPolicy) *v1alpha1.ConnectionSync {
	return &v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.ConnectionSyncSpec{DeliverySpec: v1alpha1.DeliverySpec{
			Connection: v1alpha1.ConnectionRef{Namespace: "default", ID: id}, DeletionPolicy: policy}}}
}

// TestConnectionSyncDelivers: a ConnectionSync whose ServiceAccount Tether
// gives the connection gets its Secret and PodDefault, as `tether conn
// render --as poddefault` renders them, and a Ready status; a rotation in
// Tether reaches the Secret through the change feed (the resync is an
// hour); a new secretName replaces the Secret; deleting the sync removes
// both (Delete).
func TestConnectionSyncDelivers(t *testing.T) {
	h := newHarness(t, time.Hour)
	conn := h.s3Connection("training-data", "first-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	s := newSync("data", "training-data", v1alpha1.DeletionPolicyDelete)
	s.Spec.SecretName = "training-env"
	s.Spec.PodDefault = &v1alpha1.PodDefaultSpec{Label: "add-training-data", Desc: "Training data"}
	h.createSync(s)

	got := h.waitReason("data", v1alpha1.ReasonSynced, converge)
	secret := h.waitSecret(h.ns, "training-env", "first-secret", converge)
	h.checkDelivery(got, secret, kube.DeliveryOptions{Name: "add-training-data", SecretName: "training-env", Namespace: h.ns})
	if got.Status.DeliveredVersion != conn.Status.Version {
		t.Errorf("deliveredVersion %d, want %d", got.Status.DeliveredVersion, conn.Status.Version)
	}

	rotated := h.rotate("training-data", "second-secret")
	h.waitSecret(h.ns, "training-env", "second-secret", converge)
	waitFor(t, converge, "deliveredVersion to follow", func() (bool, string) {
		v := h.sync("data").Status.DeliveredVersion
		return v == rotated.Status.Version, "not yet"
	})

	renamed := h.sync("data")
	renamed.Spec.SecretName = "training-env-2"
	if err := h.k.Update(t.Context(), renamed); err != nil {
		t.Fatal(err)
	}
	h.waitSecret(h.ns, "training-env-2", "second-secret", converge)
	h.waitSecret(h.ns, "training-env", "", converge)

	h.deleteAndWait(h.sync("data"))
	h.waitSecret(h.ns, "training-env-2", "", converge)
	pd := &unstructured.Unstructured{}
	pd.SetAPIVersion(kube.PodDefaultAPIVersion)
	pd.SetKind(kube.PodDefaultKind)
	// the garbage collector removes the Secret and the PodDefault one by one
	waitFor(t, converge, "the PodDefault to go with its sync (Delete)", func() (bool, string) {
		err := h.k.Get(t.Context(), types.NamespacedName{Namespace: h.ns, Name: "add-training-data"}, pd)
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

// TestConnectionSyncRetain: deleting a sync whose policy is Retain leaves
// its Secret as it is.
func TestConnectionSyncRetain(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("kept", "kept-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("kept", "kept", v1alpha1.DeletionPolicyRetain))
	h.waitSecret(h.ns, "kept", "kept-secret", converge)
	h.deleteAndWait(h.sync("kept"))
	if s := h.secret(h.ns, "kept"); s == nil || string(s.Data["AWS_SECRET_ACCESS_KEY"]) != "kept-secret" {
		t.Errorf("Secret after deleting its Retain sync: %v, want it kept", s)
	}
}

// TestConnectionSyncNoFinalizer: a sync gets no finalizer, which would
// cost each first delivery one more write of the sync; what it delivers
// under Delete is owned by it, and goes with it through the garbage
// collector. A sync that an earlier controller gave its finalizer is let
// go when deleted.
func TestConnectionSyncNoFinalizer(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("owned", "owned-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("owned", "owned", v1alpha1.DeletionPolicyDelete))
	secret := h.waitSecret(h.ns, "owned", "owned-secret", converge)
	h.waitReason("owned", v1alpha1.ReasonSynced, converge)
	got := h.sync("owned")
	if len(got.Finalizers) > 0 {
		t.Errorf("the sync has finalizers %v, want none", got.Finalizers)
	}
	ref := metav1.GetControllerOf(secret)
	if ref == nil || ref.UID != got.UID || ref.Kind != "ConnectionSync" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("the Secret's controller is %+v, want the sync (uid %s) blocking its deletion", ref, got.UID)
	}

	legacy := newSync("legacy", "owned", v1alpha1.DeletionPolicyDelete)
	legacy.Spec.SecretName = "legacy"
	legacy.Finalizers = []string{"tether.ml/cleanup"}
	h.createSync(legacy)
	h.waitSecret(h.ns, "legacy", "owned-secret", converge)
	if err := h.k.Delete(t.Context(), h.sync("legacy")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, converge, "the sync with the earlier finalizer to go", func() (bool, string) {
		err := h.k.Get(t.Context(), types.NamespacedName{Namespace: h.ns, Name: "legacy"}, &v1alpha1.ConnectionSync{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	h.waitSecret(h.ns, "legacy", "", converge)
}

// TestConnectionSyncPutsBack: a Secret edited or deleted by hand is put
// back at once (the resync is an hour); an existing Secret the controller
// does not manage is not taken over.
func TestConnectionSyncPutsBack(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("db", "db-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("db", "db", v1alpha1.DeletionPolicyDelete))
	s := h.waitSecret(h.ns, "db", "db-secret", converge)

	s.Data["AWS_SECRET_ACCESS_KEY"] = []byte("tampered")
	if err := h.k.Update(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	h.waitSecret(h.ns, "db", "db-secret", converge)
	if err := h.k.Delete(t.Context(), h.secret(h.ns, "db")); err != nil {
		t.Fatal(err)
	}
	h.waitSecret(h.ns, "db", "db-secret", converge)

	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "someone-elses"},
		Data: map[string][]byte{"k": []byte("v")}}
	if err := h.k.Create(t.Context(), foreign); err != nil {
		t.Fatal(err)
	}
	other := newSync("other", "db", v1alpha1.DeletionPolicyDelete)
	other.Spec.SecretName = "someone-elses"
	h.createSync(other)
	got := h.waitReason("other", v1alpha1.ReasonInvalid, converge)
	if msg := readyMessage(got); !strings.Contains(msg, "someone-elses") {
		t.Errorf("Invalid message %q does not name the Secret", msg)
	}
	if s := h.secret(h.ns, "someone-elses"); s == nil || string(s.Data["k"]) != "v" {
		t.Errorf("the foreign Secret was changed: %v", s)
	}
}

// readyMessage is the message of s's Ready condition.
func readyMessage(s *v1alpha1.ConnectionSync) string {
	for _, c := range s.Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c.Message
		}
	}
	return ""
}

// checkDelivery checks that secret, the PodDefault and got's status are
// what `tether conn render --as poddefault` renders of connection
// training-data with o.
func (h *harness) checkDelivery(got *v1alpha1.ConnectionSync, secret *corev1.Secret, o kube.DeliveryOptions) {
	h.t.Helper()
	revealed, err := h.admin.Reveal(h.t.Context(), "default", "training-data")
	if err != nil {
		h.t.Fatal(err)
	}
	typ := delivery.Types().Type("s3")
	want, err := kube.Secret(revealed, typ, o)
	if err != nil {
		h.t.Fatal(err)
	}
	if d := cmp.Diff(want.Data, secret.Data); d != "" || secret.Type != want.Type {
		h.t.Errorf("Secret data (-want +got):\n%s type %s", d, secret.Type)
	}
	if secret.Labels["app.kubernetes.io/managed-by"] != "tether-controller" || len(secret.OwnerReferences) != 1 {
		h.t.Errorf("Secret labels %v, owners %v: want managed-by tether-controller, owned by the sync", secret.Labels, secret.OwnerReferences)
	}
	wantPD, err := kube.PodDefault(revealed, typ, o)
	if err != nil {
		h.t.Fatal(err)
	}
	pd := &unstructured.Unstructured{}
	pd.SetAPIVersion(kube.PodDefaultAPIVersion)
	pd.SetKind(kube.PodDefaultKind)
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: h.ns, Name: o.Name}, pd); err != nil {
		h.t.Fatalf("PodDefault: %v", err)
	}
	if sel, _, _ := unstructured.NestedStringMap(pd.Object, "spec", "selector", "matchLabels"); sel[o.Name] != "true" {
		h.t.Errorf("PodDefault selector %v, want add-training-data: true", sel)
	}
	if desc, _, _ := unstructured.NestedString(pd.Object, "spec", "desc"); desc != got.Spec.PodDefault.Desc {
		h.t.Errorf("PodDefault desc %q, want the spec's %q", desc, got.Spec.PodDefault.Desc)
	}
	if env, _, _ := unstructured.NestedSlice(pd.Object, "spec", "env"); len(env) != len(wantPD.Spec.Env) {
		h.t.Errorf("PodDefault has %d variables, want %d", len(env), len(wantPD.Spec.Env))
	}
	if got.Status.ObservedGeneration != got.Generation || got.Status.LastSyncTime == nil {
		h.t.Errorf("status %+v, want generation %d, a sync time", got.Status, got.Generation)
	}
	wantInj := &v1alpha1.PodInjection{Env: wantPD.Spec.Env, Volumes: wantPD.Spec.Volumes, VolumeMounts: wantPD.Spec.VolumeMounts}
	if d := cmp.Diff(wantInj, got.Status.Injection); d != "" {
		h.t.Errorf("status.injection (-want +got):\n%s", d)
	}
}

// TestControllerSelector: a controller given --selector serves only the
// syncs it matches; another sync in the same namespace gets no finalizer,
// no status and no Secret from it.
func TestControllerSelector(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("picked", "picked-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	other := newSync("ignored", "picked", v1alpha1.DeletionPolicyDelete)
	other.Namespace, other.Spec.SecretName = h.ns, "ignored"
	if err := h.k.Create(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.k.Delete(context.Background(), other) })
	h.createSync(newSync("picked", "picked", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "picked", "picked-secret", converge)
	got := &v1alpha1.ConnectionSync{}
	if err := h.k.Get(t.Context(), types.NamespacedName{Namespace: h.ns, Name: "ignored"}, got); err != nil {
		t.Fatal(err)
	}
	if len(got.Finalizers) > 0 || len(got.Status.Conditions) > 0 {
		t.Errorf("a sync the selector does not match was served: finalizers %v, conditions %v",
			got.Finalizers, got.Status.Conditions)
	}
	if s := h.secret(h.ns, "ignored"); s != nil {
		t.Errorf("a sync the selector does not match got its Secret delivered")
	}
}
