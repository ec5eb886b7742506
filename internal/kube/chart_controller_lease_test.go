package kube_test

import (
	"context"
	"io"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/controller"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// TestChartControllerLeaderElection runs the real `tether controller` with
// the arguments of the chart's Deployment (its addresses moved to free
// local ports), POD_NAMESPACE as the downward API sets it, and a
// kubeconfig of the chart's ServiceAccount with exactly the chart's RBAC:
// it takes the leader-election Lease in the release namespace, and gives
// it up when it stops, so that a second replica takes over at once.
func TestChartControllerLeaderElection(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	c := newCluster(t)
	kubeconfig := kubetest.ChartControllerKubeconfig(t, c.kubeconfig, c.ns)
	_, container := controllerDeployment(t, controllerValues)
	args := append(container.Args[1:], "--kubeconfig="+kubeconfig, "--metrics-addr=0", "--health-addr=127.0.0.1:0")
	env := map[string]string{"POD_NAMESPACE": c.ns}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		cmd := controller.Command(cli.Env{Getenv: func(k string) string { return env[k] }, Stdout: io.Discard, Stderr: io.Discard})
		cmd.SetArgs(args)
		done <- cmd.ExecuteContext(ctx)
	}()
	holder := func() string {
		l, err := c.cs.CoordinationV1().Leases(c.ns).Get(t.Context(), controller.DefaultLeaderElectionID, metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	eventually(t, 30*time.Second, func() bool { return holder() != "" })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("tether controller: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("tether controller did not stop within 30 s of its context's end")
	}
	if h := holder(); h != "" {
		t.Errorf("the stopped controller still holds the Lease (%s)", h)
	}
}
