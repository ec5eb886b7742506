package controller

import (
	"testing"

	"github.com/go-logr/logr"

	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// TestClientNotRateLimited: the manager's client to the API server is not
// held to client-go's default of 5 requests a second (QPS 0 means that
// default; a negative QPS, no client-side limit), which made the
// notebook-access reconciler take over a minute to visit a few hundred
// namespaces, and the delivery of 60 syncs half a minute.
func TestClientNotRateLimited(t *testing.T) {
	// The manager maps its watched kinds when it is made: the CRDs must be
	// served first, as the chart installs them before the controller.
	_, api := injectAPI(t)
	injectCRDs(t, api)
	installAccessCRD(t, api)
	mgr, err := newManager(Config{Kubeconfig: kubetest.Kubeconfig(t), MetricsAddr: "0", HealthAddr: "0"}, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if cfg := mgr.GetConfig(); cfg.QPS >= 0 || cfg.RateLimiter != nil {
		t.Errorf("the controller's client has QPS %v, rate limiter %v: want no client-side limit (QPS < 0)", cfg.QPS, cfg.RateLimiter)
	}
}
