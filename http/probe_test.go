package http_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// TestConnectionTestRoutes runs connection tests through every test route
// on the test MinIO: a stored connection (by id, Odahu's form and the
// namespaced one) and an unsaved one in the body, read by the one strict
// decoder of a create. A test that ran is 200 whether it passed or not;
// what keeps it from running is the 4xx of its cause.
func TestConnectionTestRoutes(t *testing.T) {
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	s := newStack(t)
	for _, c := range []string{minioBody(t, m, "good", bucket, m.SecretKey), minioBody(t, m, "badkey", bucket, m.SecretKey+"x")} {
		mustStatus(t, s.do("POST", "/api/v1/connection", c), http.StatusCreated)
	}
	good := minioBody(t, m, "unsaved", bucket, m.SecretKey)
	tests := []struct {
		name, path, body string
		status           int
		ok               bool
		message          string // that the result's or the error's message holds
	}{
		{"stored, Odahu's route", "/api/v1/connection/good/test", "", 200, true, "listed s3://" + bucket + "/model"},
		{"stored, namespaced", "/api/v1/namespaces/default/connection/good/test", "", 200, true, "listed"},
		{"stored, wrong key", "/api/v1/connection/badkey/test", "", 200, false, "SignatureDoesNotMatch"},
		{"stored, unknown", "/api/v1/connection/nope/test", "", 404, false, `entity "nope" is not found`},
		{"stored, unknown namespaced", "/api/v1/namespaces/default/connection/nope/test", "", 404, false, `connection "nope" is not found in namespace "default"`},
		{"unsaved", "/api/v1/connection/test", good, 200, true, "listed"},
		{"unsaved, namespaced", "/api/v1/namespaces/default/connection/test", good, 200, true, "listed"},
		{"unsaved, wrong key", "/api/v1/connection/test", minioBody(t, m, "unsaved", bucket, "nope"), 200, false, "SignatureDoesNotMatch"},
		{"unsaved, malformed JSON", "/api/v1/connection/test", `{"id":"x","spec":`, 400, false, ""},
		{"unsaved, trailing data", "/api/v1/connection/test", good + "{}", 400, false, ""},
		{"unsaved, duplicate key", "/api/v1/connection/test", strings.Replace(good, `{"id":"unsaved"`, `{"id":"unsaved","id":"other"`, 1), 400, false, "id"},
		{"unsaved, unknown field", "/api/v1/connection/test", strings.Replace(good, `"region"`, `"regoin"`, 1), 400, false, "regoin"},
		{"unsaved, bad base64", "/api/v1/connection/test", strings.Replace(good, `"keySecret":"`, `"keySecret":"!!`, 1), 400, false, "keySecret"},
		{"unsaved, invalid", "/api/v1/connection/test", `{"id":"x","spec":{"type":"s3","uri":"s3://b"}}`, 400, false, "Validation of connection is failed"},
		{"unsaved, too large", "/api/v1/connection/test", `{"id":"x","spec":{"description":"` + strings.Repeat("a", tether.MaxBodyBytes) + `"}}`, 413, false, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("POST", tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			msg := r.message(t)
			if tc.status == 200 {
				var res tether.ProbeResult
				r.json(t, &res)
				msg = res.Message
				if res.OK != tc.ok || res.At.IsZero() || !strings.HasPrefix(res.From, "server") {
					t.Errorf("result %+v, want ok %v, a time and From server", res, tc.ok)
				}
			}
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not hold %q", msg, tc.message)
			}
			for _, secret := range []string{m.SecretKey, m.AccessKey, "Signature="} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("answer holds a secret: %.300s", r.body)
				}
			}
		})
	}
	t.Run("status.lastTest on get and list", func(t *testing.T) { checkLastTests(t, s) })
}

// checkLastTests checks that get and list carry the last test of each
// connection tested above (of badkey: failed), and none of the unsaved one.
func checkLastTests(t *testing.T, s *stack) {
	var list []tether.Connection
	s.do("GET", "/api/v1/namespaces/default/connection", "").json(t, &list)
	want := map[string]bool{"good": true, "badkey": false}
	if len(list) != len(want) {
		t.Fatalf("list has %d connections, want %d", len(list), len(want))
	}
	for _, c := range list {
		var one tether.Connection
		s.do("GET", "/api/v1/connection/"+c.ID, "").json(t, &one)
		for route, got := range map[string]*tether.ProbeResult{"list": c.Status.LastTest, "get": one.Status.LastTest} {
			if got == nil || got.OK != want[c.ID] || got.Version != 1 {
				t.Errorf("%s %s: status.lastTest %+v, want ok %v of version 1", route, c.ID, got, want[c.ID])
			}
		}
	}
}

// stalledTarget listens on 127.0.0.1, accepts every connection and never
// answers, until t ends; it returns its address.
func stalledTarget(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// probeStack is a stack on SQLite whose connection tests run with opts
// (127.0.0.1 allowed).
func probeStack(t testing.TB, opts service.ProbeOptions) *stack {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "tether.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts.Policy = localProbes().Policy
	return serveReplicaProbing(t, st, dir, "", "", conntype.New(), opts)
}

// timedResponse is an answer and how long it took.
type timedResponse struct {
	response
	took time.Duration
}

// TestSlowTargetCannotTieUpServer fires more tests than there are slots at
// a target that accepts and never answers: the surplus is refused with
// 429 after the queue wait, the rest of the API answers meanwhile, each
// stuck test ends as a failed result at the timeout, and the slots are
// free again afterwards.
func TestSlowTargetCannotTieUpServer(t *testing.T) {
	const slots, fired = 2, 5
	opts := service.ProbeOptions{Limiter: egress.NewLimiter(slots), Timeout: 4 * time.Second, QueueWait: 200 * time.Millisecond}
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	s := probeStack(t, opts)
	mustStatus(t, s.do("POST", "/api/v1/connection", minioBody(t, m, "good", bucket, m.SecretKey)), http.StatusCreated)
	stuck := fmt.Sprintf(`{"id":"stuck","spec":{"type":"docker","uri":"%s/team/model","username":"u","password":"cGFzcw=="}}`, stalledTarget(t))
	mustStatus(t, s.do("POST", "/api/v1/connection", stuck), http.StatusCreated)

	start := time.Now()
	answers := make(chan timedResponse, fired)
	for range fired {
		go func() {
			r := s.do("POST", "/api/v1/connection/stuck/test", "")
			answers <- timedResponse{r, time.Since(start)}
		}()
	}
	// The surplus comes back first, refused, well before the timeout.
	for range fired - slots {
		a := <-answers
		if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
			t.Errorf("surplus test: %d (Retry-After %q), want 429 with Retry-After: %.200s", a.status, a.header.Get("Retry-After"), a.body)
		}
		if a.took > opts.QueueWait+2*time.Second {
			t.Errorf("surplus test refused after %v, want about the queue wait (%v)", a.took, opts.QueueWait)
		}
	}
	// The rest of the API answers while the slots are taken.
	for _, path := range []string{"/api/v1/connection/good", "/healthz"} {
		if r := s.do("GET", path, ""); r.status != http.StatusOK {
			t.Errorf("GET %s while tests are stuck: %d", path, r.status)
		}
	}
	if len(answers) != 0 {
		t.Fatalf("a stuck test ended before the other routes were checked (after %v)", time.Since(start))
	}
	for range slots {
		a := <-answers
		var res tether.ProbeResult
		a.json(t, &res)
		if a.status != http.StatusOK || res.OK || !strings.Contains(res.Message, "did not finish") {
			t.Errorf("stuck test: %d %+v, want a failed result at the timeout", a.status, res)
		}
		if a.took < opts.Timeout || a.took > opts.Timeout+5*time.Second {
			t.Errorf("stuck test ended after %v, want about the timeout (%v)", a.took, opts.Timeout)
		}
	}
	// The slots are free: a good connection's test runs and passes.
	var res tether.ProbeResult
	r := s.do("POST", "/api/v1/connection/good/test", "")
	if err := json.Unmarshal(r.body, &res); err != nil || r.status != http.StatusOK || !res.OK {
		t.Errorf("test of a good connection after the stuck ones: %d %s", r.status, r.body)
	}
}
