package controller_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// BenchmarkSync measures "tether controller", run as its own process, on
// the test API server with a real Tether server:
//
//   - update: one ConnectionSync, 200 updates of its connection in Tether,
//     each from the update's answer to the watch of the Secret showing the
//     new data (p50, p99; target p99 < 2 s);
//   - converge: TETHER_BENCH_SYNCS ConnectionSyncs (default 1,000) over 10
//     namespaces and 100 connections, created before the controller
//     starts: the time from its start until every Secret holds its data
//     (target 10,000 < 60 s), the controller's memory then, and its writes
//     to the API server over TETHER_BENCH_IDLE (default 5m) of idleness
//     with a resync interval of a minute (target: none but its Lease's).
//
// The controller reaches the API server through a proxy of the benchmark's
// that counts its writes (the API server's own counts are of all its
// clients). Run it once, with time for 10,000 syncs and 5 idle minutes:
//
//	go test -timeout 45m -run '^$' -bench BenchmarkSync -benchtime 1x ./internal/controller/
//
// TETHER_BENCH_CONTROLLER_FLAGS adds flags to the controller's (e.g.
// --max-concurrent-reconciles 32, --pprof-addr 127.0.0.1:6060).
func BenchmarkSync(b *testing.B) {
	n := envInt(b, "TETHER_BENCH_SYNCS", 1000)
	idle := envDuration(b, "TETHER_BENCH_IDLE", 5*time.Minute)
	w := newBenchWorld(b)
	b.Run("update", func(b *testing.B) { benchUpdate(b, w, 200) })
	b.Run(fmt.Sprintf("converge-%d", n), func(b *testing.B) { benchConverge(b, w, n, idle) })
}

// benchUpdate times updates updates of one delivered connection.
func benchUpdate(b *testing.B, w *benchWorld, updates int) {
	run := w.run + "-upd"
	ns := w.namespaces(b, "u", 1)[0]
	id := w.connections(b, "u", 1, func(int) string { return "v0" })[0]
	seen := make(secretChanges, 4*updates)
	w.watchSecrets(b, func(s *corev1.Secret, at time.Time) {
		if s.Namespace == ns {
			seen <- secretChange{string(s.Data["AWS_SECRET_ACCESS_KEY"]), at}
		}
	})
	w.startController(b, w.kubeconfig, run, ns, time.Hour)
	b.Cleanup(func() { w.deleteSyncs(b, []string{ns}, run) })
	w.createSyncs(b, []*v1alpha1.ConnectionSync{inNamespace(newSync("u", id, v1alpha1.DeletionPolicyDelete), ns)}, run)
	seen.await(b, "v0")
	lat := make([]time.Duration, 0, updates)
	for i := 1; i <= updates; i++ {
		key := "v" + strconv.Itoa(i)
		if _, err := w.admin.Update(b.Context(), "", s3Spec(id, key), tether.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		sent := time.Now()
		lat = append(lat, max(0, seen.await(b, key).Sub(sent)))
	}
	slices.Sort(lat)
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	if p99 := percentile(lat, 99); p99 >= 2*time.Second {
		b.Errorf("p99 of an update's delivery is %v, over the target of 2s", p99)
	}
}

// secretChange is the secret key a Secret was seen to hold, and when.
type secretChange struct {
	key string
	at  time.Time
}

// secretChanges are the changes a watch saw, in order.
type secretChanges chan secretChange

// await returns when the Secret was first seen to hold key, failing b
// after a minute.
func (c secretChanges) await(b *testing.B, key string) time.Time {
	timeout := time.After(time.Minute)
	for {
		select {
		case ch := <-c:
			if ch.key == key {
				return ch.at
			}
		case <-timeout:
			b.Fatalf("the Secret never held %q", key)
		}
	}
}

// benchConverge times the delivery of n syncs by a controller started
// after them, then counts its writes while idle.
func benchConverge(b *testing.B, w *benchWorld, n int, idle time.Duration) {
	run := w.run + "-conv"
	nss := w.namespaces(b, "c", 10)
	key := func(i int) string { return "key-" + strconv.Itoa(i) }
	ids := w.connections(b, "c", 100, key)
	syncs := make([]*v1alpha1.ConnectionSync, n)
	want := make(map[string]string, n)
	for i := range syncs {
		s := inNamespace(newSync("s"+strconv.Itoa(i), ids[i%len(ids)], v1alpha1.DeletionPolicyDelete), nss[i%len(nss)])
		s.Spec.SecretName = s.Name
		syncs[i] = s
		want[s.Namespace+"/"+s.Name] = key(i % len(ids))
	}
	conv := newConvergence(want)
	w.watchSecrets(b, conv.see)
	created := time.Now()
	w.createSyncs(b, syncs, run)
	b.Logf("%d syncs created in %v", n, time.Since(created).Round(time.Millisecond))
	proxy := newAPICounter(b, w.kubeconfig)
	apiCPU0, tetherCPU0 := apiCPU(b, w.cfg), processCPU(b, w.tether.cmd.Process.Pid)
	start := time.Now()
	c := w.startController(b, proxy.Kubeconfig, run, nss[0], time.Minute)
	b.Cleanup(func() { w.deleteSyncs(b, nss, run) })
	select {
	case <-conv.done:
	case <-time.After(15 * time.Minute):
		b.Fatalf("%d of %d Secrets delivered after 15 minutes", conv.count(), n)
	}
	took := time.Since(start)
	// the CPU time each process spent on the convergence (the controller
	// started with it), per sync
	perSync := func(s float64) float64 { return s / float64(n) * 1000 }
	b.ReportMetric(perSync(apiCPU(b, w.cfg)-apiCPU0), "apiserver-cpu-ms/sync")
	b.ReportMetric(perSync(processCPU(b, c.cmd.Process.Pid)), "controller-cpu-ms/sync")
	b.ReportMetric(perSync(processCPU(b, w.tether.cmd.Process.Pid)-tetherCPU0), "tether-cpu-ms/sync")
	m := c.memory(b)
	b.ReportMetric(took.Seconds(), "converge-s")
	b.ReportMetric(m.rss, "rss-MiB")
	b.ReportMetric(m.hwm, "peak-rss-MiB")
	b.ReportMetric(m.heap, "heap-MiB")
	b.Logf("converged in %v; writes of the controller: %v", took.Round(time.Millisecond), proxy.snapshot())
	idleWrites(b, w, proxy, idle)
}

// inNamespace is s in namespace ns.
func inNamespace(s *v1alpha1.ConnectionSync, ns string) *v1alpha1.ConnectionSync {
	s.Namespace = ns
	return s
}

// percentile is the p-th percentile of the sorted d.
func percentile(d []time.Duration, p int) time.Duration {
	i := (len(d)*p+99)/100 - 1
	return d[max(0, min(i, len(d)-1))]
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// envInt is the integer in environment variable name, or def.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// envDuration is the duration in environment variable name, or def.
func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a positive duration such as 30s", name, v)
	}
	return d
}

// metricUnit is resource as a unit of b.ReportMetric.
func metricUnit(prefix, resource string) string {
	return prefix + strings.ReplaceAll(resource, "/", "-")
}
