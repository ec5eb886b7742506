package controller

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tether-ml/tether"
)

// expiryGauge is the controller's gauge of when the short-lived credential
// (an STS session, an ECR token) that each sync last delivered expires,
// as a Unix time: the Secret is rewritten at the refresh point, well
// before, so an alert on `tether_sync_credential_expiry_timestamp_seconds
// - time() < 3600` fires only when refreshing keeps failing. Syncs whose
// credential does not expire have no series.
type expiryGauge struct{ vec *prometheus.GaugeVec }

// newExpiryGauge registers the gauge with reg, or takes the one registered
// already (a second manager in one process: a restarted controller, tests).
func newExpiryGauge(reg prometheus.Registerer) (*expiryGauge, error) {
	vec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tether_sync_credential_expiry_timestamp_seconds",
		Help: "When the short-lived credential a sync last delivered expires (Unix time), by sync kind, namespace and name.",
	}, []string{"kind", "namespace", "name"})
	err := reg.Register(vec)
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if existing, ok := dup.ExistingCollector.(*prometheus.GaugeVec); ok {
			return &expiryGauge{vec: existing}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &expiryGauge{vec: vec}, nil
}

// set records e as the expiry of what sync kind namespace/name delivered;
// nil forgets it.
func (g *expiryGauge) set(kind, namespace, name string, e *tether.Expiry) {
	if e == nil {
		g.forget(kind, namespace, name)
		return
	}
	g.vec.WithLabelValues(kind, namespace, name).Set(float64(e.At.Unix()))
}

// forget drops the series of sync kind namespace/name: it is gone, or
// what it delivered is.
func (g *expiryGauge) forget(kind, namespace, name string) {
	g.vec.DeleteLabelValues(kind, namespace, name)
}
