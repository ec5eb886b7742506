package controller_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// writeVerbs are the verbs of apiserver_request_total that change objects.
var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true}

// apiWrites returns how many write requests the API server has served,
// per resource (with "/subresource" appended where there is one), from its
// own /metrics (apiserver_request_total), whoever made them.
func apiWrites(t testing.TB, cfg *rest.Config) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	f := apiMetrics(t, cfg)["apiserver_request_total"]
	if f == nil {
		t.Fatal("the API server's /metrics has no apiserver_request_total")
	}
	for _, m := range f.GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if !writeVerbs[l["verb"]] {
			continue
		}
		r := l["resource"]
		if l["subresource"] != "" {
			r += "/" + l["subresource"]
		}
		out[r] += m.GetCounter().GetValue()
	}
	return out
}

// writesSince returns the writes per resource counted in after but not in
// before, leaving out resources with none.
func writesSince(before, after map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for r, n := range after {
		if n-before[r] > 0 {
			d[r] = n - before[r]
		}
	}
	return d
}

// apiMetrics returns the metric families of the API server's /metrics.
func apiMetrics(t testing.TB, cfg *rest.Config) map[string]*dto.MetricFamily {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(t.Context())
	if err != nil {
		t.Fatalf("read the API server's /metrics: %v", err)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse the API server's /metrics: %v", err)
	}
	return families
}

// apiCPU returns the CPU time, in seconds, the API server has used
// (process_cpu_seconds_total).
func apiCPU(t testing.TB, cfg *rest.Config) float64 {
	t.Helper()
	f := apiMetrics(t, cfg)["process_cpu_seconds_total"]
	if f == nil || len(f.GetMetric()) == 0 {
		t.Fatal("the API server's /metrics has no process_cpu_seconds_total")
	}
	return f.GetMetric()[0].GetCounter().GetValue()
}

// processCPU returns the CPU time, in seconds, process pid has used (user
// and system, from /proc/pid/stat at Linux's 100 ticks a second).
func processCPU(t testing.TB, pid int) float64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// the fields after the command, which is in parentheses and may hold
	// spaces: state is the 3rd field of stat, utime and stime the 14th
	// and 15th
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	return (utime + stime) / 100
}
