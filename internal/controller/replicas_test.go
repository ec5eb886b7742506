package controller_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/controller"
)

// failover bounds the standby's takeover after the leader is killed: the
// Lease's duration (controller-runtime's 15 s), one retry period (2 s)
// and some slack for a loaded machine.
const failover = 20 * time.Second

// replica is a controller process and the counter of its writes.
type replica struct {
	proc    *controllerProc
	counter *apiCounter
}

// TestTwoReplicas runs two controller processes with --leader-elect on
// one Lease: exactly one writes (the other sends no write but its tries
// for the Lease); a rotation is delivered once (one MODIFIED event of
// the Secret); after the leader is killed (SIGKILL: it cannot give the
// Lease up), the other takes the Lease over within its duration and
// delivers the next rotation, once.
func TestTwoReplicas(t *testing.T) {
	h := newWorld(t)
	token := h.controllerToken()
	h.s3Connection("ha", "ha-1")
	h.bind(h.ns, "default", tether.RoleUser)
	events := watchSecrets(t, h.kubeconfig, h.ns)
	var replicas [2]replica
	for i := range replicas {
		c := newAPICounter(t, h.kubeconfig)
		replicas[i] = replica{counter: c,
			proc: h.startControllerProc(c.Kubeconfig, token, "--leader-elect", "--leader-election-namespace", h.ns)}
	}
	h.createSync(newSync("ha", "ha", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "ha", "ha-1", converge)
	leader, standby := whichLeads(t, replicas)

	h.rotate("ha", "ha-2")
	h.waitSecret(h.ns, "ha", "ha-2", converge)
	h.waitReason("ha", v1alpha1.ReasonSynced, converge)
	checkWrittenOnce(t, events, 2)
	if w := standby.counter.Writes("leases"); len(w) > 0 {
		t.Errorf("the standby wrote %v, want nothing", w)
	}

	holder := h.leaseHolder()
	leader.proc.kill()
	killed := time.Now()
	waitFor(t, failover, "the standby to take the Lease over", func() (bool, string) {
		got := h.leaseHolder()
		return got != holder && got != "", "held by " + got
	})
	t.Logf("the standby took over %v after the leader was killed", time.Since(killed).Round(100*time.Millisecond))
	h.rotate("ha", "ha-3")
	h.waitSecret(h.ns, "ha", "ha-3", converge)
	checkWrittenOnce(t, events, 3)
	if w := standby.counter.Writes("leases"); w["secrets"] != 1 {
		t.Errorf("the new leader wrote %v, want the Secret once", w)
	}
	if standby.proc.exited() {
		t.Error("the new leader exited")
	}
}

// whichLeads waits until one replica writes objects and returns it first;
// the other must have written nothing but its tries for the Lease.
func whichLeads(t *testing.T, replicas [2]replica) (leader, standby replica) {
	t.Helper()
	waitFor(t, converge, "one replica to lead", func() (bool, string) {
		a, b := replicas[0].counter.Writes("leases"), replicas[1].counter.Writes("leases")
		return (len(a) > 0) != (len(b) > 0), fmt.Sprintf("writes %v and %v", a, b)
	})
	if len(replicas[0].counter.Writes("leases")) > 0 {
		return replicas[0], replicas[1]
	}
	return replicas[1], replicas[0]
}

// checkWrittenOnce checks that Secret ha was created once and then
// written once per rotation: n events in all.
func checkWrittenOnce(t *testing.T, events *secretEvents, n int) {
	t.Helper()
	time.Sleep(time.Second) // a second write would follow at once
	want := []watch.EventType{watch.Added}
	for len(want) < n {
		want = append(want, watch.Modified)
	}
	if got := events.of("ha"); !slices.Equal(got, want) {
		t.Errorf("events of the Secret: %v, want %v", got, want)
	}
}

// leaseHolder is the holder of the controllers' Lease in h's namespace.
func (h *harness) leaseHolder() string {
	h.t.Helper()
	l := &coordv1.Lease{}
	key := types.NamespacedName{Namespace: h.ns, Name: controller.DefaultLeaderElectionID}
	if err := h.k.Get(h.t.Context(), key, l); err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}
