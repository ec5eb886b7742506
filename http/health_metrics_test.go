package http_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// expiringType is a connection type declared here only, whose secret key
// "expires=RFC3339" tells its expiry.
func expiringType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "expiring",
		Description: "A type whose credential expires",
		Fields:      []tether.Field{{Name: "keySecret", Secret: true, Base64: true, Description: "expires=RFC3339"}},
		Render: func(*tether.Connection, string) (*tether.Rendering, error) {
			return &tether.Rendering{Env: map[string]string{}}, nil
		},
		Expiry: func(c *tether.Connection) *tether.Expiry {
			b, _ := base64.StdEncoding.DecodeString(c.Spec.KeySecret.Reveal())
			at, err := time.Parse(time.RFC3339, strings.TrimPrefix(string(b), "expires="))
			if err != nil {
				return nil
			}
			return &tether.Expiry{At: at, What: "key"}
		},
	}
}

// TestConnectionGauges: /metrics shows a scraper that may read every
// namespace the seconds to each connection's expiry and its last test
// (result and time); it shows nobody else a connection's name, and no
// gauge holds a message or a secret.
func TestConnectionGauges(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "tether.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := serveStoreWith(t, st, dir, "", conntype.New(expiringType()))
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	secret := base64.StdEncoding.EncodeToString([]byte("expires=" + soon))
	mustStatus(t, s.do("POST", "/api/v1/connection", `{"id":"sas","spec":{"type":"expiring","uri":"x","keySecret":"`+secret+`"}}`), http.StatusCreated)
	mustStatus(t, s.do("POST", "/api/v1/namespaces", `{"name":"team-a"}`), http.StatusCreated)
	mustStatus(t, s.do("POST", "/api/v1/namespaces/team-a/connection", s3Example), http.StatusCreated)
	tested := time.Date(2030, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	result := fmt.Sprintf(`{"ok":false,"message":"access denied to hidden-message","at":%q,"from":"server","version":1}`, tested.Format(time.RFC3339Nano))
	if ok, err := st.SetLastTest(t.Context(), "team-a", "training-data", 1, []byte(result)); !ok || err != nil {
		t.Fatalf("SetLastTest = %v, %v", ok, err)
	}
	mustStatus(t, s.do("POST", "/api/v1/rolebindings", `{"subject":"user:scraper","role":"viewer","namespace":"*"}`), http.StatusCreated)
	mustStatus(t, s.do("POST", "/api/v1/rolebindings", `{"subject":"user:vic","role":"viewer","namespace":"default"}`), http.StatusCreated)

	for _, tc := range []struct {
		name, token string
		status      int
	}{{"no token", "", http.StatusOK}, {"reader of one namespace", s.issue(t, "user:vic"), http.StatusForbidden},
		{"wrong token", "tether_wrong", http.StatusUnauthorized}} {
		r := s.doAs(tc.token, "GET", "/metrics", "")
		mustStatus(t, r, tc.status)
		for _, leak := range []string{"tether_connection_", "training-data", "sas"} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("%s: /metrics shows %q", tc.name, leak)
			}
		}
	}

	body := string(s.doAs(s.issue(t, "user:scraper"), "GET", "/metrics", "").body)
	for _, leak := range append(secretForms(), "hidden-message", "expires=") {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics shows %q", leak)
		}
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not valid exposition format: %v", err)
	}
	gauge := func(name, ns, id, typ string) float64 {
		t.Helper()
		for _, m := range families[name].GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == ns && labels["connection"] == id && labels["type"] == typ && len(labels) == 3 {
				return m.GetGauge().GetValue()
			}
		}
		t.Errorf("no %s{namespace=%q,connection=%q,type=%q} in\n%s", name, ns, id, typ, body)
		return math.NaN()
	}
	if v := gauge("tether_connection_expiry_seconds", "default", "sas", "expiring"); v < 3500 || v > 3601 {
		t.Errorf("tether_connection_expiry_seconds = %v, want about 3600", v)
	}
	if v := gauge("tether_connection_test_ok", "team-a", "training-data", "s3"); v != 0 {
		t.Errorf("tether_connection_test_ok = %v, want 0", v)
	}
	if v := gauge("tether_connection_test_timestamp_seconds", "team-a", "training-data", "s3"); v != float64(tested.UnixMilli())/1000 {
		t.Errorf("tether_connection_test_timestamp_seconds = %v, want %v", v, float64(tested.UnixMilli())/1000)
	}
	if n := len(families["tether_connection_expiry_seconds"].GetMetric()) + len(families["tether_connection_test_ok"].GetMetric()); n != 2 {
		t.Errorf("%d connection gauges, want 2 (one expiry, one test)", n)
	}
}

// BenchmarkConnectionGauges scrapes /metrics as a scraper that reads
// every namespace, from a SQLite store of 100,000 connections, each with
// an expiry and a last test: the gauges are capped at
// service.DefaultHealthCap each, and the report is read from the store
// once per TTL (see service's BenchmarkHealthReport), so a scrape mostly
// renders.
func BenchmarkConnectionGauges(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "tether.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	result := []byte(`{"ok":true,"message":"listed","latencyMs":3,"at":"2030-01-01T00:00:00Z","from":"server","version":1}`)
	at := time.Now().Add(24 * time.Hour)
	records := func(yield func(*tether.Record, error) bool) {
		for i := range n {
			r := &tether.Record{Namespace: "default", ID: fmt.Sprintf("c%07d", i), Type: "s3", Spec: []byte(`{}`), Version: 1,
				CreatedAt: at, UpdatedAt: at, LastTest: result, Expiry: &tether.Expiry{At: at.Add(time.Duration(i) * time.Second)}}
			if !yield(r, nil) {
				return
			}
		}
	}
	if err := st.Import(context.Background(), &tether.Dump{RecordCount: n, Records: records}); err != nil {
		b.Fatal(err)
	}
	kr, err := seal.Create(filepath.Join(dir, "tether.key"))
	if err != nil {
		b.Fatal(err)
	}
	if err := service.NewTokens(st).Bootstrap(context.Background(), "", filepath.Join(dir, "admin.token")); err != nil {
		b.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(dir, "admin.token"))
	if err != nil {
		b.Fatal(err)
	}
	set := service.New(st, kr, conntype.New(), nil)
	h := thttp.NewServer(thttp.Deps{Connections: set.Connections, Auth: set.Authn, Audit: set.Audit, Health: set.Health})
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/scrape")
}
