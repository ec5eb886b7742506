package controller_test

import (
	"fmt"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// TestConnectionSyncDeliveryOneEvent: a ConnectionSync's first delivery
// is reported by one Event, not by two of the same reason that the
// recorder would turn into a series (a create and a patch, which race and
// are retried: three times the writes at scale).
func TestConnectionSyncDeliveryOneEvent(t *testing.T) {
	h := newHarness(t, time.Hour)
	h.s3Connection("once", "once-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("once", "once", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "once", "once-secret", converge)
	h.waitReason("once", v1alpha1.ReasonSynced, converge)
	events := func() []eventsv1.Event {
		var list eventsv1.EventList
		if err := h.k.List(t.Context(), &list, ctrlclient.InNamespace(h.ns)); err != nil {
			t.Fatal(err)
		}
		var out []eventsv1.Event
		for _, e := range list.Items {
			if e.Regarding.Kind == "ConnectionSync" && e.Regarding.Name == "once" {
				out = append(out, e)
			}
		}
		return out
	}
	waitFor(t, converge, "an Event of the delivery", func() (bool, string) { return len(events()) > 0, "none" })
	// a second Event, or a series, is written within seconds, or after
	// the recorder's retry (10 s) if the two raced
	for end := time.Now().Add(12 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		got := events()
		if len(got) != 1 || got[0].Series != nil || got[0].Reason != v1alpha1.ReasonSynced {
			t.Fatalf("Events of the first delivery: %q, want one of reason %s", describeEvents(got), v1alpha1.ReasonSynced)
		}
	}
}

// describeEvents is a line per Event: reason, action, note and count.
func describeEvents(events []eventsv1.Event) []string {
	var out []string
	for _, e := range events {
		n := int32(1)
		if e.Series != nil {
			n = e.Series.Count
		}
		out = append(out, fmt.Sprintf("%s %s %q x%d", e.Reason, e.Action, e.Note, n))
	}
	return out
}
