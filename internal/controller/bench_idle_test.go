package controller_test

import (
	"maps"
	"testing"
	"time"
)

// expectedIdleWrite reports whether an idle controller may write
// resource: its Lease, renewed by leader election, and the tokens it
// requests for ServiceAccounts when the cached ones near their end
// (TokenRequest is a create that stores nothing).
func expectedIdleWrite(resource string) bool {
	return resource == "leases" || resource == "serviceaccounts/token"
}

// idleWrites waits until the controller behind proxy has settled, then
// counts writes over idle: the controller's own (from proxy), which must
// be expectedIdleWrite ones only, and the API server's from all its
// clients (apiWrites), reported for comparison.
func idleWrites(b *testing.B, w *benchWorld, proxy *apiCounter, idle time.Duration) {
	settle(b, proxy)
	api, own := apiWrites(b, w.cfg), proxy.snapshot()
	time.Sleep(idle)
	api, own = writesSince(api, apiWrites(b, w.cfg)), writesSince(own, proxy.snapshot())
	b.Logf("writes over %v idle: the controller's %v; the API server's, from every client, %v", idle, own, api)
	for _, r := range []string{"secrets", "poddefaults", "connectionsyncs", "connectionsyncs/status", "events", "leases"} {
		b.ReportMetric(own[r], metricUnit("idle-writes-", r))
		b.ReportMetric(api[r], metricUnit("api-idle-writes-", r))
	}
	for r, n := range own {
		if !expectedIdleWrite(r) {
			b.Errorf("the idle controller wrote %s %v times", r, n)
		}
	}
}

// settle waits until the controller's writes other than the expected ones
// have stopped for 10 s (the last statuses and Events of the
// convergence), at most 3 minutes.
func settle(b *testing.B, proxy *apiCounter) {
	deadline := time.Now().Add(3 * time.Minute)
	unexpected := func() map[string]float64 {
		s := proxy.snapshot()
		maps.DeleteFunc(s, func(r string, _ float64) bool { return expectedIdleWrite(r) })
		return s
	}
	for last := unexpected(); time.Now().Before(deadline); {
		time.Sleep(10 * time.Second)
		now := unexpected()
		if maps.Equal(last, now) {
			return
		}
		last = now
	}
	b.Logf("the controller was still writing after 3 minutes")
}
