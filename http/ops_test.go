package http_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestAuthentication(t *testing.T) {
	s := newStack(t)
	routes := []string{"GET /api/v1/connection", "GET /api/v1/connection/x/decrypted", "POST /api/v1/connection",
		"PUT /api/v1/connection/x", "DELETE /api/v1/connection/x", "POST /api/v1/keys/rotate", "GET /api/v1/namespaces",
		"GET /api/v1/tokens", "GET /api/v1/audit"}
	// Nine failures: under the throttling budget of this client address.
	for i, route := range routes {
		token := []string{"", "tether_wrong", "Basic abc"}[i%3]
		method, path, _ := strings.Cut(route, " ")
		r := s.doAs(token, method, path, s3Example)
		mustStatus(t, r, http.StatusUnauthorized)
		if r.header.Get("WWW-Authenticate") == "" || r.message(t) == "" {
			t.Errorf("%s with token %q: no WWW-Authenticate or message", route, token)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json", "/swagger/index.html"} {
		mustStatus(t, s.doAs("", "GET", path, ""), http.StatusOK)
	}
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	s := newStack(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/nothing", http.StatusNotFound},
		{"PATCH", "/api/v1/connection", http.StatusMethodNotAllowed},
	} {
		r := s.do(c.method, c.path, "")
		mustStatus(t, r, c.status)
		if r.header.Get("Content-Type") != "application/json" || r.message(t) == "" {
			t.Errorf("%s %s: not a JSON error: %s", c.method, c.path, r.body)
		}
	}
}

func TestMetricsHaveRoutesNotIDs(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	s.do("GET", "/api/v1/connection/training-data", "")
	s.do("GET", "/api/v1/connection/training-data/decrypted", "")
	s.do("GET", "/api/v1/connection/missing-one", "")
	body := string(s.doAs("", "GET", "/metrics", "").body)
	for _, want := range []string{
		`tether_http_requests_total{code="200",route="GET /api/v1/connection/{id}"} 1`,
		`tether_http_requests_total{code="404",route="GET /api/v1/connection/{id}"} 1`,
		`tether_http_request_duration_seconds_bucket{route="GET /api/v1/connection/{id}/decrypted"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, leak := range append(secretForms(), "training-data", "missing-one") {
		if strings.Contains(body, leak) {
			t.Errorf("metrics contain %q", leak)
		}
	}
}

// TestMetricsExposition parses /metrics as Prometheus does: the body must be
// valid text exposition format, each family typed, and the latency
// histogram must count every request of its route in the configured
// buckets.
func TestMetricsExposition(t *testing.T) {
	s := newStack(t)
	s.do("GET", "/api/v1/connection/missing-one", "")
	s.do("GET", "/api/v1/connection/missing-one", "")
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(s.doAs("", "GET", "/metrics", "").body)))
	if err != nil {
		t.Fatalf("/metrics is not valid exposition format: %v", err)
	}
	for name, want := range map[string]dto.MetricType{
		"tether_http_requests_total":           dto.MetricType_COUNTER,
		"tether_http_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"process_cpu_seconds_total":            dto.MetricType_COUNTER,
		"process_resident_memory_bytes":        dto.MetricType_GAUGE,
		"go_goroutines":                        dto.MetricType_GAUGE,
	} {
		if f := families[name]; f == nil {
			t.Errorf("no %s", name)
		} else if f.GetType() != want {
			t.Errorf("%s is a %v, want %v", name, f.GetType(), want)
		}
	}
	var got []string
	for _, m := range families["tether_http_request_duration_seconds"].GetMetric() {
		h := m.GetHistogram()
		got = append(got, fmt.Sprintf("%s: %d samples, %d buckets", m.GetLabel()[0].GetValue(), h.GetSampleCount(), len(h.GetBucket())))
	}
	want := "GET /api/v1/connection/{id}: 2 samples, 13 buckets" // 12 bounds and +Inf
	if !slices.Contains(got, want) {
		t.Errorf("latency histograms: got %q, want one %q", got, want)
	}
}

// secretForms returns the s3 example's secrets in every encoding a leak
// could take.
func secretForms() []string {
	var out []string
	for _, b64 := range []string{"QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ=="} {
		raw, _ := base64.StdEncoding.DecodeString(b64)
		out = append(out, b64, string(raw), url.QueryEscape(b64), url.QueryEscape(string(raw)))
	}
	return out
}

func TestLogsRecordRequestsButNoSecrets(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	s.do("GET", "/api/v1/connection/training-data/decrypted", "", "X-Request-Id", "req-42")
	s.do("PUT", "/api/v1/connection/training-data", s3Example)
	s.do("POST", "/api/v1/connection", strings.Replace(s3Example, `"region"`, `"bogus":1,"region"`, 1))
	logs := s.logs.String()
	for _, want := range []string{`"request_id":"req-42"`, `"method":"GET"`, `"path":"/api/v1/connection/training-data/decrypted"`, `"status":200`, `"latency_ms"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	for _, leak := range append(secretForms(), s.token) {
		if strings.Contains(logs, leak) {
			t.Errorf("logs contain a secret (%d bytes)", len(leak))
		}
	}
}

func TestRequestIDIsEchoedOrGenerated(t *testing.T) {
	s := newStack(t)
	if got := s.do("GET", "/healthz", "", "X-Request-Id", "abc-1").header.Get("X-Request-Id"); got != "abc-1" {
		t.Errorf("echoed request id %q", got)
	}
	if got := s.do("GET", "/healthz", "", "X-Request-Id", "bad id;<script>").header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("generated request id %q", got)
	}
}

func TestSwaggerUIServesTheDocument(t *testing.T) {
	s := newStack(t)
	r := s.doAs("", "GET", "/swagger/index.html", "")
	mustStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.body, []byte("/openapi.json")) || !bytes.Contains(r.body, []byte("swagger-ui")) {
		t.Errorf("index.html does not load Swagger UI with /openapi.json")
	}
	// The assets the page loads, compressed for clients that take gzip and
	// plain for those that do not.
	for _, path := range []string{"/swagger/swagger-ui-bundle.js", "/swagger/swagger-ui-standalone-preset.js",
		"/swagger/swagger-ui.css", "/swagger/favicon-32x32.png"} {
		if !bytes.Contains(r.body, []byte(path)) {
			t.Errorf("index.html does not load %s", path)
		}
		plain := s.doAs("", "GET", path, "", "Accept-Encoding", "identity")
		mustStatus(t, plain, http.StatusOK)
		if len(plain.body) < 100 || plain.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: %d bytes, Content-Encoding %q", path, len(plain.body), plain.header.Get("Content-Encoding"))
		}
		gz := s.doAs("", "GET", path, "", "Accept-Encoding", "gzip")
		mustStatus(t, gz, http.StatusOK)
		if strings.HasSuffix(path, ".js") && gz.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s with Accept-Encoding gzip: Content-Encoding %q", path, gz.header.Get("Content-Encoding"))
		}
	}
	if r := s.doAs("", "GET", "/swagger/missing.js", ""); r.status != http.StatusNotFound {
		t.Errorf("missing asset: status %d", r.status)
	}
}

func TestKeyRotationStreamsProgressAndKeepsReads(t *testing.T) {
	s := newStack(t)
	for _, body := range []string{s3Example, gcsExample, dockerExample} {
		mustStatus(t, s.do("POST", "/api/v1/connection", body), http.StatusCreated)
	}
	r := s.do("POST", "/api/v1/keys/rotate", "")
	mustStatus(t, r, http.StatusOK)
	if r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("content type %q", r.header.Get("Content-Type"))
	}
	var last string
	for sc := bufio.NewScanner(bytes.NewReader(r.body)); sc.Scan(); {
		last = sc.Text()
	}
	if !strings.Contains(last, `"keyID":"k-`) || !strings.Contains(last, `"done":3,"total":3`) {
		t.Errorf("last progress line %q", last)
	}
	got := decodeConn(t, s.do("GET", "/api/v1/connection/training-data/decrypted", ""))
	if got.Spec.KeyID != "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=" {
		t.Errorf("secret changed across rotation")
	}
}
