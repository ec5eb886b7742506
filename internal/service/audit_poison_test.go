package service_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/service"
)

// poison are the namespace or id values of a caller with no role trying
// to break the audit log: bytes PostgreSQL's text refuses, and size.
var poison = []string{"\xff", "a\x00b", "\x1b[2Jx\r", strings.Repeat("x", 500_000), "\xff" + strings.Repeat("é", 1000)}

// TestAuditPoisonCannotFailOthers reproduces the attack of a caller with
// no role revealing poisoned paths while an admin reveals and creates:
// every admin request succeeds and has its event, and what the attacker
// caused to be stored is valid UTF-8, without control characters, bounded
// and marked where cut.
func TestAuditPoisonCannotFailOthers(t *testing.T) {
	for _, open := range auditStores() {
		s := open(t)
		t.Run(s.name, func(t *testing.T) {
			admin, mallory := as(tether.BootstrapSubject, "10.0.0.1"), as("user:mallory", "10.6.6.6")
			conns := s.set.Connections
			if _, err := conns.Create(admin, "default", docker("c0", "cGFzcw==")); err != nil {
				t.Fatal(err)
			}
			for _, p := range poison { // within mallory's budget: each is stored
				if _, err := conns.Reveal(mallory, p, p); tether.ErrorCode(err) != tether.ENOTFOUND {
					t.Errorf("mallory's reveal of %.20q: %v, want not found", p, err)
				}
			}
			denied := s.events(t, tether.AuditFilter{Actions: []string{service.ActionReveal}})
			for _, e := range denied {
				wantStorable(t, e)
			}
			if len(denied) != len(poison) {
				t.Errorf("%d events of mallory's reveals stored, want %d", len(denied), len(poison))
			} else if c := denied[3].Connection; c != strings.Repeat("x", 63)+service.CutMark {
				t.Errorf("a 500 KB id is stored as %.80q, want 63 characters and the cut mark", c)
			}

			reveals, creates := attackDuringAdminWork(t, s, admin, mallory)
			got := s.events(t, tether.AuditFilter{Namespace: "default", Actions: []string{service.ActionReveal}, Connection: "c0"})
			if len(got) != reveals {
				t.Errorf("%d reveal events of c0, want %d (one per reveal)", len(got), reveals)
			}
			made := map[string]bool{}
			for _, e := range s.events(t, tether.AuditFilter{Actions: []string{service.ActionCreate}}) {
				if e.Outcome == tether.OutcomeSuccess {
					made[e.Connection] = true
				}
			}
			for _, id := range creates {
				if !made[id] {
					t.Errorf("create of %s was acknowledged without its audit event", id)
				}
			}
		})
	}
}

// attackDuringAdminWork runs mallory's poisoned reveals concurrently with
// admin reveals of c0 and creates, fails t on any admin error, and returns
// the number of reveals and the ids created.
func attackDuringAdminWork(t *testing.T, s *auditStore, admin, mallory context.Context) (int, []string) {
	const workers, rounds = 4, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	var created []string
	for w := range workers {
		wg.Go(func() {
			for i := range rounds * 3 {
				p := poison[(w+i)%len(poison)]
				_, _ = s.set.Connections.Reveal(mallory, p, "x"+p)
			}
		})
		wg.Go(func() {
			for i := range rounds {
				if _, err := s.set.Connections.Reveal(admin, "default", "c0"); err != nil {
					t.Errorf("admin reveal: %v", err)
				}
				id := fmt.Sprintf("c-%d-%d", w, i)
				if _, err := s.set.Connections.Create(admin, "default", docker(id, "cGFzcw==")); err != nil {
					t.Errorf("admin create of %s: %v", id, err)
					continue
				}
				mu.Lock()
				created = append(created, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return workers * rounds, created
}

// wantStorable fails t unless every value of e is valid UTF-8 without
// control characters, and ids and other values are within their bounds,
// and reports whether they are.
func wantStorable(t *testing.T, e *tether.AuditEvent) bool {
	t.Helper()
	ok := true
	for _, v := range []struct {
		name, value string
		max         int
	}{
		{"subject", e.Subject, 256}, {"action", e.Action, 256}, {"namespace", e.Namespace, 63},
		{"connection", e.Connection, 63}, {"job", e.Job, 256}, {"remote", e.Remote, 256}, {"detail", e.Detail, 1024},
	} {
		if !utf8.ValidString(v.value) || strings.ContainsFunc(v.value, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("event %d: %s %.60q is not plain UTF-8", e.ID, v.name, v.value)
			ok = false
		}
		if len(v.value) > v.max+len(service.CutMark) {
			t.Errorf("event %d: %s is %d bytes, over its bound of %d", e.ID, v.name, len(v.value), v.max)
			ok = false
		}
	}
	return ok
}
