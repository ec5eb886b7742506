package controller_test

import (
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
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
)

// TestConnectionSyncByReference: a connection that refers to the user's
// Secret, named as the sync's Secret would be, is delivered by its
// PodDefault and the webhook's injection alone; the status says so; the
// user's Secret is never written, labelled, owned or deleted, neither
// while the sync delivers nor when it is deleted (Delete). A Secret the
// sync delivered before the connection became a reference is removed.
func TestConnectionSyncByReference(t *testing.T) {
	h := newHarness(t, time.Hour)
	user := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "aws-keys"},
		StringData: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAUSER", "AWS_SECRET_ACCESS_KEY": "user-secret"}}
	if err := h.k.Create(t.Context(), user); err != nil {
		t.Fatal(err)
	}
	h.s3Connection("team-data", "own-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	s := newSync("data", "team-data", v1alpha1.DeletionPolicyDelete)
	s.Spec.SecretName = "aws-keys-own"
	s.Spec.PodDefault = &v1alpha1.PodDefaultSpec{Label: "team-data"}
	h.createSync(s)
	h.waitSecret(h.ns, "aws-keys-own", "own-secret", converge)

	ref := s3Spec("team-data", "")
	ref.Spec.KeyID, ref.Spec.KeySecret = "", ""
	ref.Spec.SecretRef = &tether.ObjectRef{Name: "aws-keys", Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}}
	ref.Spec.ConfigMapRef = &tether.ObjectRef{Name: "aws-config", MountPath: "/home/jovyan/.aws"}
	updated, err := h.admin.Update(t.Context(), "", ref, tether.UpdateOptions{})
	if err != nil {
		t.Fatalf("update to a reference: %v", err)
	}
	h.waitSecret(h.ns, "aws-keys-own", "", converge) // the sync's own Secret, no longer used
	var got *v1alpha1.ConnectionSync
	waitFor(t, converge, "the sync to deliver the reference", func() (bool, string) {
		got = h.sync("data")
		return got.Status.DeliveredVersion == updated.Status.Version, readyMessage(got)
	})
	if msg := readyMessage(got); !strings.Contains(msg, "refers to Secret aws-keys and ConfigMap aws-config") ||
		!strings.Contains(msg, "never writes nor deletes") {
		t.Errorf("Ready message %q", msg)
	}
	want, err := kube.PodDefault(updated, conntype.New().Type("s3"), kube.DeliveryOptions{Name: "team-data", Namespace: h.ns})
	if err != nil {
		t.Fatal(err)
	}
	inj := got.Status.Injection
	if inj == nil || !cmp.Equal(inj.Env, want.Spec.Env) || !cmp.Equal(inj.Volumes, want.Spec.Volumes) ||
		!cmp.Equal(inj.VolumeMounts, want.Spec.VolumeMounts) {
		t.Errorf("status injection %+v, want the PodDefault's %+v", inj, want.Spec)
	}
	h.checkPodDefaultEnv("team-data", want)
	h.checkUntouched(user)

	h.deleteAndWait(h.sync("data"))
	pd := &unstructured.Unstructured{}
	pd.SetAPIVersion(kube.PodDefaultAPIVersion)
	pd.SetKind(kube.PodDefaultKind)
	waitFor(t, converge, "the PodDefault to go with its sync (Delete)", func() (bool, string) {
		err := h.k.Get(t.Context(), types.NamespacedName{Namespace: h.ns, Name: "team-data"}, pd)
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	h.checkUntouched(user)
}

// checkPodDefaultEnv checks that PodDefault name on the server has want's
// variables, volumes and mounts.
func (h *harness) checkPodDefaultEnv(name string, want *kube.PodDefaultObject) {
	h.t.Helper()
	pd := &unstructured.Unstructured{}
	pd.SetAPIVersion(kube.PodDefaultAPIVersion)
	pd.SetKind(kube.PodDefaultKind)
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: h.ns, Name: name}, pd); err != nil {
		h.t.Fatalf("PodDefault: %v", err)
	}
	env, _, _ := unstructured.NestedSlice(pd.Object, "spec", "env")
	vols, _, _ := unstructured.NestedSlice(pd.Object, "spec", "volumes")
	if len(env) != len(want.Spec.Env) || len(vols) != len(want.Spec.Volumes) {
		h.t.Errorf("PodDefault env %v, volumes %v; want %v, %v", env, vols, want.Spec.Env, want.Spec.Volumes)
	}
	if len(env) == 0 {
		h.t.Fatal("the PodDefault has no variables")
	}
	ref, _, _ := unstructured.NestedStringMap(env[0].(map[string]any), "valueFrom", "secretKeyRef")
	if ref["name"] != "aws-keys" || ref["key"] != "AWS_ACCESS_KEY_ID" {
		h.t.Errorf("PodDefault's first variable %v", env[0])
	}
}

// checkUntouched checks that the user's Secret is as it was created: same
// resource version, no label, annotation or owner.
func (h *harness) checkUntouched(created *corev1.Secret) {
	h.t.Helper()
	s := h.secret(created.Namespace, created.Name)
	switch {
	case s == nil:
		h.t.Fatalf("the user's Secret %s was deleted", created.Name)
	case s.ResourceVersion != created.ResourceVersion || len(s.Labels) > 0 || len(s.Annotations) > 0 ||
		len(s.OwnerReferences) > 0 || string(s.Data["AWS_SECRET_ACCESS_KEY"]) != "user-secret":
		h.t.Errorf("the user's Secret changed: %+v", s.ObjectMeta)
	}
}

// TestConnectionSyncVolumeClaim: a volume_claim connection is delivered as
// a PodDefault that mounts the claim, with no Secret.
func TestConnectionSyncVolumeClaim(t *testing.T) {
	h := newHarness(t, time.Hour)
	conn := &tether.Connection{ID: "scratch", Spec: tether.ConnectionSpec{Type: "volume_claim", URI: "scratch-claim",
		Parameters: tether.Params{"mountPath": "/scratch", "readOnly": "true"}}}
	if _, err := h.admin.Create(t.Context(), "", conn); err != nil {
		t.Fatal(err)
	}
	h.bind(h.ns, "default", tether.RoleUser)
	s := newSync("scratch", "scratch", v1alpha1.DeletionPolicyDelete)
	s.Spec.PodDefault = &v1alpha1.PodDefaultSpec{}
	h.createSync(s)
	got := h.waitReason("scratch", v1alpha1.ReasonSynced, converge)
	if msg := readyMessage(got); !strings.Contains(msg, "is a volume") {
		t.Errorf("Ready message %q", msg)
	}
	inj := got.Status.Injection
	if inj == nil || len(inj.Volumes) != 1 || inj.Volumes[0].PersistentVolumeClaim == nil ||
		inj.Volumes[0].PersistentVolumeClaim.ClaimName != "scratch-claim" || !inj.Volumes[0].PersistentVolumeClaim.ReadOnly ||
		len(inj.VolumeMounts) != 1 || inj.VolumeMounts[0].MountPath != "/scratch" {
		t.Errorf("injection %+v", inj)
	}
	if sec := h.secret(h.ns, "scratch"); sec != nil {
		t.Errorf("a Secret was delivered for a volume: %v", sec.ObjectMeta)
	}
}
