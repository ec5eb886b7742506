package controller_test

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/kube"
)

// TestConnectionSyncIdleWritesNothing: resyncs of an unchanged connection
// read Tether again (its audit shows the reveals) but write nothing: the
// Secret, the PodDefault and the sync keep their resource versions.
func TestConnectionSyncIdleWritesNothing(t *testing.T) {
	h := newHarness(t, time.Second)
	h.s3Connection("idle", "idle-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	s := newSync("idle", "idle", v1alpha1.DeletionPolicyDelete)
	s.Spec.PodDefault = &v1alpha1.PodDefaultSpec{}
	h.createSync(s)
	h.waitSecret(h.ns, "idle", "idle-secret", converge)
	h.waitReason("idle", v1alpha1.ReasonSynced, converge)
	// the first reconcile writes (the Secret, the status); then
	// resyncs must write nothing
	waitFor(t, converge, "the sync to settle", func() (bool, string) {
		rv := h.resourceVersions()
		n := h.reveals(time.Time{})
		h.waitReveals(n + 2)
		return rv == h.resourceVersions(), "still writing"
	})
	before := h.resourceVersions()
	h.waitReveals(h.reveals(time.Time{}) + 3)
	if after := h.resourceVersions(); after != before {
		t.Errorf("resource versions (Secret, PodDefault, sync) went from %s to %s over idle resyncs", before, after)
	}
}

// resourceVersions are those of the idle test's Secret, PodDefault and
// sync.
func (h *harness) resourceVersions() string {
	h.t.Helper()
	pd := &unstructured.Unstructured{}
	pd.SetAPIVersion(kube.PodDefaultAPIVersion)
	pd.SetKind(kube.PodDefaultKind)
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: h.ns, Name: "idle"}, pd); err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprintf("%s/%s/%s", h.secret(h.ns, "idle").ResourceVersion, pd.GetResourceVersion(), h.sync("idle").ResourceVersion)
}

// reveals counts the reveals of connection idle since since (zero: all).
func (h *harness) reveals(since time.Time) int {
	h.t.Helper()
	return h.revealsOf("idle", since)
}

// revealsOf counts the reveals of connection id since since (zero: all).
func (h *harness) revealsOf(id string, since time.Time) int {
	h.t.Helper()
	events, err := h.admin.Audit(h.t.Context(), tether.AuditFilter{Connection: id, Actions: []string{"connection.reveal"}, Since: since})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(events)
}

// waitReveals waits until connection idle was revealed n times in all.
func (h *harness) waitReveals(n int) {
	h.t.Helper()
	waitFor(h.t, converge, fmt.Sprintf("%d reveals", n), func() (bool, string) {
		got := h.reveals(time.Time{})
		return got >= n, fmt.Sprintf("%d reveals", got)
	})
}

// TestConnectionSyncOneReadPerDelivery: a first delivery reads the
// connection from Tether once. The controller's own writes (the Secret's
// creation, the status) do not make it reconcile the sync again, which
// would read and audit the connection more times and, with 10,000 syncs, keep the controller busy with itself.
func TestConnectionSyncOneReadPerDelivery(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("once", "once-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("once", "once", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "once", "once-secret", converge)
	h.waitReason("once", v1alpha1.ReasonSynced, converge)
	// nothing else may come: watch the count for a while
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if n := h.revealsOf("once", time.Time{}); n != 1 {
			t.Fatalf("%d reads of the connection for one delivery, want 1", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
