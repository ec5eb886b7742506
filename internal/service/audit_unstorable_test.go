package service_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/service"
)

// refuseUnstorable makes the database refuse the audit events of
// connections whose id starts with "unstorable".
var refuseUnstorable = map[string][]string{
	"sqlite": {`CREATE TRIGGER refuse_unstorable BEFORE INSERT ON audit_events
		WHEN NEW.connection LIKE 'unstorable%' BEGIN SELECT RAISE(ABORT, 'unstorable event'); END`},
	"postgres": {`CREATE FUNCTION refuse_unstorable() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'unstorable event'; END $$`,
		`CREATE TRIGGER refuse_unstorable BEFORE INSERT ON audit_events FOR EACH ROW
		WHEN (NEW.connection LIKE 'unstorable%') EXECUTE FUNCTION refuse_unstorable()`},
}

// TestUnstorableEventFailsOnlyItsWrite makes the database refuse some
// events and runs writes of those alongside other reveals and writes: the
// writes whose event is refused fail with EUNAVAILABLE (the change applied,
// as the message says), and every other request succeeds with its event.
func TestUnstorableEventFailsOnlyItsWrite(t *testing.T) {
	for _, open := range auditStores() {
		s := open(t)
		t.Run(s.name, func(t *testing.T) {
			admin := as(tether.BootstrapSubject, "10.0.0.1")
			conns := s.set.Connections
			if _, err := conns.Create(admin, "default", docker("c0", "cGFzcw==")); err != nil {
				t.Fatal(err)
			}
			for _, stmt := range refuseUnstorable[s.name] {
				s.exec(t, stmt)
			}
			const workers, rounds = 4, 10
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range rounds {
						bad := fmt.Sprintf("unstorable-%d-%d", w, i)
						_, err := conns.Create(admin, "default", docker(bad, "cGFzcw=="))
						if tether.ErrorCode(err) != tether.EUNAVAILABLE {
							t.Errorf("create of %s, whose event is refused: %v, want unavailable", bad, err)
						}
						if _, err := conns.Reveal(admin, "default", "c0"); err != nil {
							t.Errorf("reveal: %v", err)
						}
						if _, err := conns.Create(admin, "default", docker(fmt.Sprintf("ok-%d-%d", w, i), "cGFzcw==")); err != nil {
							t.Errorf("create: %v", err)
						}
					}
				})
			}
			wg.Wait()
			if n := len(s.events(t, tether.AuditFilter{Connection: "c0", Actions: []string{service.ActionReveal}})); n != workers*rounds {
				t.Errorf("%d reveal events, want %d", n, workers*rounds)
			}
			if n := len(s.events(t, tether.AuditFilter{Actions: []string{service.ActionCreate}})); n != 1+workers*rounds {
				t.Errorf("%d create events, want %d (c0 and the ok-* ones)", n, 1+workers*rounds)
			}
			wantWritesFail(t, s)
		})
	}
}

// wantWritesFail checks that updates and deletes whose event is refused
// fail too, and say that the change was applied.
func wantWritesFail(t *testing.T, s *auditStore) {
	t.Helper()
	admin := as(tether.BootstrapSubject, "10.0.0.1")
	conns := s.set.Connections
	c := docker("unstorable-0-0", "")
	c.Spec.Description = "changed"
	_, err := conns.Update(admin, "default", c, tether.UpdateOptions{})
	if tether.ErrorCode(err) != tether.EUNAVAILABLE {
		t.Errorf("update whose event is refused: %v, want unavailable", err)
	}
	if got, err := conns.Get(admin, "default", c.ID); err != nil || got.Spec.Description != "changed" {
		t.Errorf("after the update reported as failed: %v, %+v (the message says it was applied)", err, got)
	}
	err = conns.Delete(admin, "default", c.ID)
	if tether.ErrorCode(err) != tether.EUNAVAILABLE {
		t.Errorf("delete whose event is refused: %v, want unavailable", err)
	}
	want := `connection "unstorable-0-0" was deleted, but the audit log cannot be written, so the request is reported as failed (the event is in the server log)`
	if tether.ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", tether.ErrorMessage(err), want)
	}
}
