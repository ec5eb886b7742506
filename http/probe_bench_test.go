package http_test

import (
	"net/http"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/service"
)

// BenchmarkConnectionTest measures a connection test of an s3 connection
// on the test MinIO: through the API (a stored connection, and an unsaved
// one in the body), and the bare probe of the s3 type through the same
// egress policy, without the API, the store, the audit log or the limiter.
// The difference between them is the server's own cost per test.
func BenchmarkConnectionTest(b *testing.B) {
	m := miniotest.Load(b)
	bucket := m.Bucket(b)
	s := probeStack(b, service.ProbeOptions{})
	body := minioBody(b, m, "good", bucket, m.SecretKey)
	if r := s.do("POST", "/api/v1/connection", body); r.status != http.StatusCreated {
		b.Fatalf("create: %d %s", r.status, r.body)
	}
	route := func(path, body string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := s.do("POST", path, body); r.status != http.StatusOK {
					b.Fatalf("%s: %d %s", path, r.status, r.body)
				}
			}
		}
	}
	b.Run("route", route("/api/v1/connection/good/test", ""))
	b.Run("route unsaved", route("/api/v1/connection/test", body))
	b.Run("bare probe", func(b *testing.B) {
		dialer := egress.NewDialer(localProbes().Policy, nil, service.DefaultProbeTimeout)
		env := tether.ProbeEnv{HTTP: egress.HTTPClient(dialer, egress.HTTPConfig{Timeout: service.DefaultProbeTimeout}), Dial: dialer.DialContext}
		s3 := conntype.New().Type("s3")
		c := m.Conn("good", bucket, m.SecretKey)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s3.Probe(b.Context(), c, env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
