package controller_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/clientcmd"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// killSyncs is how many ConnectionSyncs converge while the controller is
// killed.
const killSyncs = 60

// TestControllerKilledMidSync: the controller process is killed (SIGKILL)
// while 60 ConnectionSyncs converge, then started again. Every sync
// becomes Ready with its connection's data, and nothing is written twice:
// the admin's watch of the namespace's Secrets, started before the first
// controller, sees each Secret ADDED once and never MODIFIED or DELETED.
// A second restart, once all is delivered, writes nothing at all (the
// requests it sends through a counting proxy), though it reads every
// connection again.
func TestControllerKilledMidSync(t *testing.T) {
	h := newWorld(t)
	token := h.controllerToken()
	h.bind(h.ns, "default", tether.RoleUser)
	versions := map[string]int64{}
	for i := range killSyncs {
		id := fmt.Sprintf("kill-%02d", i)
		versions[id] = h.s3Connection(id, "secret-"+id).Status.Version
	}
	events := watchSecrets(t, h.kubeconfig, h.ns)

	first := h.startControllerProc(h.kubeconfig, token)
	waitFor(t, converge, "the controller to start", func() (bool, string) {
		return strings.Contains(first.logs.String(), `"Starting workers","controller":"connectionsync"`), "not yet"
	})
	// the syncs are created while the controller delivers them, and it
	// is killed a quarter of the way, the creations going on
	created := make(chan error, 1)
	go func() { created <- h.createSyncs(versions) }()
	waitFor(t, converge, "a quarter of the Secrets", func() (bool, string) {
		n := events.total()
		return n >= killSyncs/4, fmt.Sprintf("%d delivered", n)
	})
	first.kill()
	if err := <-created; err != nil {
		t.Fatal(err)
	}
	if n := h.readySyncs(versions); n == killSyncs {
		t.Fatalf("all %d syncs were Ready before the kill: nothing was killed mid-sync", n)
	}
	var delivered corev1.SecretList
	if err := h.k.List(t.Context(), &delivered, ctrlclient.InNamespace(h.ns)); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed with %d of %d Secrets delivered", len(delivered.Items), killSyncs)

	admin, err := clientcmd.BuildConfigFromFlags("", h.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	served := apiWrites(t, admin)
	counter := newAPICounter(t, h.kubeconfig)
	second := h.startControllerProc(counter.Kubeconfig, token)
	waitFor(t, 60*time.Second, "every sync to be Ready", func() (bool, string) {
		n := h.readySyncs(versions)
		return n == killSyncs, fmt.Sprintf("%d of %d Ready", n, killSyncs)
	})
	for id := range versions {
		if s := h.secret(h.ns, id); s == nil || string(s.Data["AWS_SECRET_ACCESS_KEY"]) != "secret-"+id {
			t.Errorf("Secret %s: %v, want secret-%s", id, s, id)
		}
		if got := events.of(id); !slices.Equal(got, []watch.EventType{watch.Added}) {
			t.Errorf("Secret %s was written %v, want ADDED once", id, got)
		}
	}
	// no-op updates leave no event: count what the second one sent
	if got, want := counter.Writes()["secrets"], killSyncs-len(delivered.Items); got != want {
		t.Errorf("the second controller wrote Secrets %d times, want the %d that were missing", got, want)
	}
	// the API server (shared with other tests: at least) served them
	if got, sent := writesSince(served, apiWrites(t, admin))["secrets"], counter.Writes()["secrets"]; got < float64(sent) {
		t.Errorf("the API server served %v Secret writes, fewer than the %d the controller sent", got, sent)
	}

	second.stop()
	before := events.total()
	counter = newAPICounter(t, h.kubeconfig)
	restarted := time.Now()
	h.startControllerProc(counter.Kubeconfig, token)
	h.waitRevealed(versions, restarted)
	time.Sleep(2 * time.Second) // writes would follow the reads at once
	// a token is requested for the syncs' ServiceAccount: a POST, but
	// no object is written
	if w := counter.Writes("serviceaccounts/token"); len(w) > 0 {
		t.Errorf("the restarted controller wrote %v, want nothing", w)
	}
	if after := events.total(); after != before {
		t.Errorf("the Secrets got %d events after the restart, want none", after-before)
	}
	h.deleteSyncs()
}

// deleteSyncs deletes every ConnectionSync of h's namespace and waits
// until the running controller has let them go.
func (h *harness) deleteSyncs() {
	h.t.Helper()
	err := h.k.DeleteAllOf(h.t.Context(), &v1alpha1.ConnectionSync{}, ctrlclient.InNamespace(h.ns))
	if err != nil {
		h.t.Fatal(err)
	}
	waitFor(h.t, 60*time.Second, "the syncs to be deleted", func() (bool, string) {
		var list v1alpha1.ConnectionSyncList
		if err := h.k.List(h.t.Context(), &list, ctrlclient.InNamespace(h.ns)); err != nil {
			return false, err.Error()
		}
		return len(list.Items) == 0, fmt.Sprintf("%d left", len(list.Items))
	})
}

// createSyncs creates a ConnectionSync for each connection of versions,
// named after it, in h's namespace.
func (h *harness) createSyncs(versions map[string]int64) error {
	for id := range versions {
		s := newSync(id, id, v1alpha1.DeletionPolicyDelete)
		s.Namespace = h.ns
		h.own(s)
		if err := h.k.Create(context.Background(), s); err != nil {
			return err
		}
	}
	return nil
}

// readySyncs counts the syncs of versions (ConnectionSync name =
// connection id) that are Ready at their connection's version.
func (h *harness) readySyncs(versions map[string]int64) int {
	h.t.Helper()
	var list v1alpha1.ConnectionSyncList
	if err := h.k.List(h.t.Context(), &list, ctrlclient.InNamespace(h.ns)); err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for i := range list.Items {
		s := &list.Items[i]
		if v, ok := versions[s.Name]; ok && s.Status.DeliveredVersion == v && readyReason(s) == v1alpha1.ReasonSynced {
			n++
		}
	}
	return n
}

// waitRevealed waits until every connection of versions was revealed
// (Tether's audit) since since.
func (h *harness) waitRevealed(versions map[string]int64, since time.Time) {
	h.t.Helper()
	waitFor(h.t, 60*time.Second, "every connection to be read again", func() (bool, string) {
		events, err := h.admin.Audit(h.t.Context(), tether.AuditFilter{Actions: []string{"connection.reveal"}, Since: since})
		if err != nil {
			return false, err.Error()
		}
		seen := map[string]bool{}
		for _, e := range events {
			if _, ok := versions[e.Connection]; ok && !e.Time.Before(since) {
				seen[e.Connection] = true
			}
		}
		return len(seen) == len(versions), fmt.Sprintf("%d of %d read", len(seen), len(versions))
	})
}
