package controller_test

import (
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/controller"
)

// TestConnectionSyncAccess: Tether's role bindings decide what a
// namespace receives. Without a binding the sync is Forbidden and nothing
// is delivered; once bound, it is delivered at the next resync; revoked,
// the Secret is removed under Delete and kept under Retain; a
// ServiceAccount that does not exist is Forbidden, saying so.
func TestConnectionSyncAccess(t *testing.T) {
	h := newHarness(t, time.Second)
	h.s3Connection("shared", "shared-secret")
	h.createServiceAccount(h.ns, "keeper")
	h.createSync(newSync("removed", "shared", v1alpha1.DeletionPolicyDelete))
	kept := newSync("kept", "shared", v1alpha1.DeletionPolicyRetain)
	kept.Spec.ServiceAccountName, kept.Spec.SecretName = "keeper", "shared-kept"
	h.createSync(kept)
	ghost := newSync("ghost", "shared", v1alpha1.DeletionPolicyDelete)
	ghost.Spec.ServiceAccountName, ghost.Spec.SecretName = "nobody", "shared-ghost"
	h.createSync(ghost)

	got := h.waitReason("removed", v1alpha1.ReasonForbidden, converge)
	if msg := readyMessage(got); !strings.Contains(msg, "serviceaccount:"+h.ns+":default") {
		t.Errorf("Forbidden message %q does not say whom to bind", msg)
	}
	if s := h.secret(h.ns, "shared"); s != nil {
		t.Errorf("delivered without a role binding: %v", s.Name)
	}
	if msg := readyMessage(h.waitReason("ghost", v1alpha1.ReasonForbidden, converge)); !strings.Contains(msg, "does not exist") {
		t.Errorf("missing ServiceAccount: message %q", msg)
	}

	binding := h.bind(h.ns, "default", tether.RoleUser)
	keeper := h.bind(h.ns, "keeper", tether.RoleUser)
	h.waitSecret(h.ns, "shared", "shared-secret", converge)
	h.waitSecret(h.ns, "shared-kept", "shared-secret", converge)
	h.waitReason("removed", v1alpha1.ReasonSynced, converge)

	for _, id := range []string{binding, keeper} {
		if err := h.admin.DeleteRoleBinding(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	h.waitSecret(h.ns, "shared", "", converge)
	h.waitReason("kept", v1alpha1.ReasonForbidden, converge)
	if s := h.secret(h.ns, "shared-kept"); s == nil {
		t.Error("the Retain sync's Secret was removed when its binding was revoked")
	}
	h.checkEvents("removed", v1alpha1.ReasonForbidden, v1alpha1.ReasonSynced)
}

// checkEvents waits until the test's namespace has Events of sync name
// with each of reasons, and checks that no Event of the namespace holds
// the connection's secret.
func (h *harness) checkEvents(name string, reasons ...string) {
	h.t.Helper()
	waitFor(h.t, converge, "Events "+strings.Join(reasons, ", ")+" of "+name, func() (bool, string) {
		var list eventsv1.EventList
		if err := h.k.List(h.t.Context(), &list, ctrlclient.InNamespace(h.ns)); err != nil {
			return false, err.Error()
		}
		seen := map[string]bool{}
		for _, e := range list.Items {
			if strings.Contains(e.Note, "shared-secret") {
				h.t.Fatalf("Event %s holds the secret: %q", e.Name, e.Note)
			}
			if e.Regarding.Name == name {
				seen[e.Reason] = true
			}
		}
		for _, r := range reasons {
			if !seen[r] {
				return false, "no Event " + r
			}
		}
		return true, ""
	})
}

// TestConnectionSyncConnectionDeleted: a connection deleted in Tether is
// NotFound, and its Secret is removed through the change feed (the resync
// is an hour).
func TestConnectionSyncConnectionDeleted(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("gone", "gone-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("gone", "gone", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "gone", "gone-secret", converge)
	if err := h.admin.Delete(t.Context(), "", "gone"); err != nil {
		t.Fatal(err)
	}
	h.waitReason("gone", v1alpha1.ReasonNotFound, converge)
	h.waitSecret(h.ns, "gone", "", converge)
}

// TestConnectionSyncTetherDown: while Tether cannot be reached the Secret
// stays as it is and the sync says TetherUnavailable; once Tether is back
// the sync is Ready again, and a change made meanwhile arrives.
func TestConnectionSyncTetherDown(t *testing.T) {
	h := newHarness(t, time.Second)
	h.s3Connection("steady", "steady-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("steady", "steady", v1alpha1.DeletionPolicyDelete))
	before := h.waitSecret(h.ns, "steady", "steady-secret", converge)
	h.waitReason("steady", v1alpha1.ReasonSynced, converge)

	h.tether.stop()
	h.waitReason("steady", v1alpha1.ReasonTetherUnavailable, converge)
	after := h.secret(h.ns, "steady")
	if after == nil || after.ResourceVersion != before.ResourceVersion {
		t.Fatalf("the Secret changed while Tether was down: %v", after)
	}

	h.tether.start()
	h.rotate("steady", "changed-while-away")
	h.waitSecret(h.ns, "steady", "changed-while-away", converge)
	h.waitReason("steady", v1alpha1.ReasonSynced, converge)
}

// TestChangeFeedReconnects: after Tether restarts, the change feed
// watches again, so a change made then still reaches the Secret with no
// resync (an hour here).
func TestChangeFeedReconnects(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("feed", "before-restart")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("feed", "feed", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "feed", "before-restart", converge)
	h.tether.stop()
	h.tether.start()
	h.rotate("feed", "after-restart")
	h.waitSecret(h.ns, "feed", "after-restart", converge)
}

// TestConnectionSyncUnauthorizedKeeps: a token Tether does not take (the
// controller asks for an audience Tether does not accept) is a
// misconfiguration, not a revocation: the sync says Forbidden with
// Tether's reason, and the delivered Secret stays as it is.
func TestConnectionSyncUnauthorizedKeeps(t *testing.T) {
	h := newWorld(t)
	h.s3Connection("kept", "kept-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	stop := h.startControllerWith(time.Hour, nil)
	h.createSync(newSync("kept", "kept", v1alpha1.DeletionPolicyDelete))
	before := h.waitSecret(h.ns, "kept", "kept-secret", converge)
	stop()

	h.startControllerWith(time.Hour, func(c *controller.Config) { c.Audience = "not-tether" })
	got := h.waitReason("kept", v1alpha1.ReasonForbidden, converge)
	if msg := readyMessage(got); !strings.Contains(msg, "audience") && !strings.Contains(msg, "token") {
		t.Errorf("Ready message %q does not say the token was refused", msg)
	}
	after := h.secret(h.ns, "kept")
	if after == nil || after.ResourceVersion != before.ResourceVersion {
		t.Fatalf("the Secret was removed or changed after Tether refused the token: %v", after)
	}
}
