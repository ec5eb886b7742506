package http

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tether-ml/tether"
)

// The connection gauges. Their labels name a connection (namespace, id,
// type), never a secret or a message.
var (
	connectionLabels = []string{"namespace", "connection", "type"}
	expiryDesc       = prometheus.NewDesc("tether_connection_expiry_seconds",
		"Seconds until the connection's credential expires (negative once expired), for each connection whose credential carries an expiry.",
		connectionLabels, nil)
	testOKDesc = prometheus.NewDesc("tether_connection_test_ok",
		"1 if the last connection test run on the server passed, 0 if it failed, for each connection tested.",
		connectionLabels, nil)
	testTimeDesc = prometheus.NewDesc("tether_connection_test_timestamp_seconds",
		"When the last connection test run on the server ended (Unix seconds), for each connection tested.",
		connectionLabels, nil)
	cappedDesc = prometheus.NewDesc("tether_connection_metrics_capped",
		"1 if the connections of a gauge were more than the server reports (the soonest expiries, the first connections by namespace and id, are kept).",
		[]string{"metric"}, nil)
)

// serveMetrics serves the server's metrics and, to a scraper whose bearer
// token holds the read permission in every namespace, the connection
// gauges: they name namespaces and connections, which the role bindings
// hide from other callers. Without a token, only the server's metrics.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if _, ok := bearer(r); !ok || s.health == nil {
		s.metrics.handler().ServeHTTP(w, r)
		return
	}
	s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		report, err := s.health.Report(r.Context())
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		gauges := prometheus.NewRegistry()
		gauges.MustRegister(healthCollector{report: report, now: time.Now})
		promhttp.HandlerFor(prometheus.Gatherers{s.metrics.registry, gauges}, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})).ServeHTTP(w, r)
}

// healthCollector turns a health report into the connection gauges. The
// seconds to expiry are counted at the scrape, from a report that may be
// a few seconds old.
type healthCollector struct {
	report *tether.HealthReport
	now    func() time.Time
}

// Describe implements prometheus.Collector.
func (c healthCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{expiryDesc, testOKDesc, testTimeDesc, cappedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, h := range c.report.Expiring {
		ch <- prometheus.MustNewConstMetric(expiryDesc, prometheus.GaugeValue, h.Expiry.At.Sub(now).Seconds(), h.Namespace, h.ID, h.Type)
	}
	for _, h := range c.report.Tested {
		ok := 0.0
		if h.LastTest.OK {
			ok = 1
		}
		ch <- prometheus.MustNewConstMetric(testOKDesc, prometheus.GaugeValue, ok, h.Namespace, h.ID, h.Type)
		ch <- prometheus.MustNewConstMetric(testTimeDesc, prometheus.GaugeValue,
			float64(h.LastTest.At.UnixMilli())/1000, h.Namespace, h.ID, h.Type)
	}
	ch <- prometheus.MustNewConstMetric(cappedDesc, prometheus.GaugeValue, flag(c.report.ExpiringCapped), "tether_connection_expiry_seconds")
	ch <- prometheus.MustNewConstMetric(cappedDesc, prometheus.GaugeValue, flag(c.report.TestedCapped), "tether_connection_test_ok")
}

// flag is 1 for true, 0 for false.
func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
