package controller_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/controller"
)

// apiOutage is how long the API server stays unreachable to the
// controller: longer than its first retries, so that it backs off.
const apiOutage = 8 * time.Second

// TestAPIServerUnreachable: the controller reaches the API server through
// a proxy that the test cuts. While it is cut, a rotation in Tether cannot
// be delivered: the Secret keeps its data, nothing delivered is deleted
// (the admin's watch sees no DELETED event), and the controller keeps
// running. Once restored, the controller retries and the Secret gets the
// new data, with the sync Ready at the new version.
func TestAPIServerUnreachable(t *testing.T) {
	h := newWorld(t)
	proxy := newNetCut(t, apiHostPort(t, h.kubeconfig))
	viaProxy := kubeconfigFor(t, h.kubeconfig, "https://"+proxy.Addr())
	exited := h.runController(func(c *controller.Config) { c.Kubeconfig = viaProxy })
	h.s3Connection("outage", "before-outage")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("outage", "outage", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "outage", "before-outage", converge)
	h.waitReason("outage", v1alpha1.ReasonSynced, converge)
	events := watchSecrets(t, h.kubeconfig, h.ns)

	proxy.cut()
	rotated := h.rotate("outage", "after-outage")
	waitFor(t, converge, "the controller to fail to reach the API server", func() (bool, string) {
		return strings.Contains(h.logs.String(), proxy.Addr()), "no failed request logged yet"
	})
	for end := time.Now().Add(apiOutage); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if s := h.secret(h.ns, "outage"); s == nil || string(s.Data["AWS_SECRET_ACCESS_KEY"]) != "before-outage" {
			t.Fatalf("during the outage the Secret became %v, want it as delivered", s)
		}
	}
	proxy.restore(t)

	h.waitSecret(h.ns, "outage", "after-outage", 60*time.Second)
	waitFor(t, 60*time.Second, "the sync to be Ready at the new version", func() (bool, string) {
		s := h.sync("outage")
		return s.Status.DeliveredVersion == rotated.Status.Version && readyMessage(s) != "" &&
			readyReason(s) == v1alpha1.ReasonSynced, readyReason(s) + ": " + readyMessage(s)
	})
	if got := events.of("outage"); slices.Contains(got, watch.Deleted) || !slices.Contains(got, watch.Modified) {
		t.Errorf("events of the Secret during and after the outage: %v, want MODIFIED and no DELETED", got)
	}
	select {
	case err := <-exited:
		t.Errorf("the controller exited: %v", err)
	default:
	}
}

// readyReason is the reason of s's Ready condition.
func readyReason(s *v1alpha1.ConnectionSync) string {
	for _, c := range s.Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c.Reason
		}
	}
	return ""
}
