package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

func auditEvents(t *testing.T, s *stack, query string) []tether.AuditEvent {
	t.Helper()
	r := s.do("GET", "/api/v1/audit"+query, "")
	mustStatus(t, r, http.StatusOK)
	var events []tether.AuditEvent
	r.json(t, &events)
	return events
}

func TestAuditRecordsRevealsDenialsAndFailures(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	viewer := s.issue(t, "user:vic")
	mustStatus(t, s.do("POST", "/api/v1/rolebindings", `{"subject":"user:vic","role":"viewer","namespace":"default"}`), http.StatusCreated)
	user := s.issue(t, "user:uma")
	mustStatus(t, s.do("POST", "/api/v1/rolebindings", `{"subject":"user:uma","role":"user","namespace":"default"}`), http.StatusCreated)

	mustStatus(t, s.doAs(user, "GET", "/api/v1/connection/training-data/decrypted", "", "X-Tether-Job", "train-42"), http.StatusOK)
	mustStatus(t, s.doAs(user, "GET", "/api/v1/connection/training-data/decrypted", "", "X-Tether-Job", "train-42"), http.StatusOK)
	mustStatus(t, s.doAs(viewer, "GET", "/api/v1/connection/training-data/decrypted", ""), http.StatusForbidden)
	mustStatus(t, s.doAs("tether_wrong-guess", "GET", "/api/v1/connection", ""), http.StatusUnauthorized)

	events := auditEvents(t, s, "?connection=training-data&action=connection.reveal")
	if len(events) != 3 {
		t.Fatalf("%d reveal events, want 3: %+v", len(events), events)
	}
	got := events[0]
	if got.Subject != "user:uma" || got.Job != "train-42" || got.Outcome != tether.OutcomeSuccess || got.Namespace != "default" || got.Remote != "127.0.0.1" {
		t.Errorf("reveal event %+v", got)
	}
	if d := events[2]; d.Subject != "user:vic" || d.Outcome != tether.OutcomeDenied || !strings.Contains(d.Detail, "connections.reveal") {
		t.Errorf("denied event %+v", d)
	}
	failed := auditEvents(t, s, "?action=auth.failed")
	if len(failed) != 1 || failed[0].Outcome != tether.OutcomeFailed || !strings.HasPrefix(failed[0].Detail, "credential ") {
		t.Fatalf("auth failure events %+v", failed)
	}
	if strings.Contains(failed[0].Detail, "wrong-guess") {
		t.Errorf("the audit log holds the presented token")
	}
	// The same bad token fingerprints the same, so repeated use correlates.
	mustStatus(t, s.doAs("tether_wrong-guess", "GET", "/api/v1/connection", ""), http.StatusUnauthorized)
	again := auditEvents(t, s, "?action=auth.failed")
	if len(again) != 2 || again[0].Detail != again[1].Detail {
		t.Errorf("fingerprints of one token differ: %q / %q", again[0].Detail, again[len(again)-1].Detail)
	}

	r := s.do("GET", "/api/v1/connection/training-data/usage", "")
	mustStatus(t, r, http.StatusOK)
	var u tether.Usage
	if err := json.Unmarshal(r.body, &u); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if u.Total != 2 || u.PerDay[today] != 2 || u.Subjects["user:uma"] != 2 || u.Jobs["train-42"] != 2 {
		t.Errorf("usage %+v", u)
	}
	mustStatus(t, s.doAs(viewer, "GET", "/api/v1/connection/training-data/usage", ""), http.StatusForbidden)
	mustStatus(t, s.do("GET", "/api/v1/connection/nope/usage", ""), http.StatusNotFound)
}

// TestDeniedFloodIsBudgeted floods the server with denied reveals from a
// caller with no role: the events stored stay within the budget of refused
// requests, and the rest are counted in /metrics.
func TestDeniedFloodIsBudgeted(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	nobody := s.issue(t, "user:nobody")
	const flood = 100
	start := time.Now()
	for range flood {
		mustStatus(t, s.doAs(nobody, "GET", "/api/v1/connection/training-data/decrypted", ""), http.StatusNotFound)
	}
	stored := 0
	for _, e := range auditEvents(t, s, "?action=connection.reveal") {
		if e.Subject == "user:nobody" {
			stored++
		}
	}
	// A burst of 20 per subject, then 1 a second.
	if max := 20 + int(time.Since(start).Seconds()) + 1; stored < 20 || stored > max {
		t.Errorf("%d of %d denied reveals stored, want the burst of 20 and at most %d", stored, flood, max)
	}
	metric := fmt.Sprintf("tether_audit_events_dropped_total %d", flood-stored)
	if body := string(s.doAs("", "GET", "/metrics", "").body); !strings.Contains(body, metric) {
		t.Errorf("metrics lack %q", metric)
	}
}
