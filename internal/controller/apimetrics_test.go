package controller_test

import (
	"bytes"
	"testing"

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
	out := map[string]float64{}
	f := families["apiserver_request_total"]
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
