package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/storetest"
)

// TestWatchChangesSeesWritesOfAnotherReplica: writes to connections,
// namespaces and role bindings through one replica notify another.
func TestWatchChangesSeesWritesOfAnotherReplica(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	a := open(t, dbURL, postgres.Options{})
	defer a.Close()
	b := open(t, dbURL, postgres.Options{})
	defer b.Close()
	ctx, cancel := context.WithCancel(t.Context())
	changes := make(chan struct{}, 1024)
	done := make(chan error, 1)
	go func() { done <- b.WatchChanges(ctx, func() { changes <- struct{}{} }) }()

	// Until B's LISTEN is in place, writes go unnoticed: write probes until
	// one is seen, then expect one notification per write.
	for i := 0; ; i++ {
		if err := a.CreateRecord(t.Context(), storetest.NewRecord("probe", fmt.Sprint(i), "s3")); err != nil {
			t.Fatal(err)
		}
		if wait(changes, 100*time.Millisecond) {
			break
		}
		if i == 100 {
			t.Fatal("no change notification for 100 writes")
		}
	}
	time.Sleep(100 * time.Millisecond)
	for len(changes) > 0 {
		<-changes
	}
	for _, w := range watchedWrites(t, a) {
		if err := w.write(); err != nil {
			t.Fatal(err)
		}
		if !wait(changes, 5*time.Second) {
			t.Errorf("%s through A: B got no notification", w.name)
		}
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("WatchChanges returned %v, want context.Canceled", err)
	}
}

// watchedWrite is one write whose notification the watch test waits for.
type watchedWrite struct {
	name  string
	write func() error
}

// watchedWrites returns writes through a of every kind that must notify:
// records, namespaces and role bindings, created and deleted.
func watchedWrites(t *testing.T, a *postgres.DB) []watchedWrite {
	ctx := t.Context()
	return []watchedWrite{
		{"create", func() error { return a.CreateRecord(ctx, storetest.NewRecord("default", "watched", "s3")) }},
		{"rewrap", func() error {
			_, err := a.RewrapRecord(ctx, "default", "watched", 1, []byte("x"), "k")
			return err
		}},
		{"delete", func() error { return a.DeleteRecord(ctx, "default", "watched") }},
		{"create namespace", func() error { return a.CreateNamespace(ctx, storetest.NewNamespace("team-w")) }},
		{"create role binding", func() error {
			return a.CreateRoleBinding(ctx, storetest.NewRoleBinding("rb-w", "user:w", tether.RoleViewer, "team-w"))
		}},
		{"delete role binding", func() error { return a.DeleteRoleBinding(ctx, "rb-w") }},
		{"delete namespace", func() error { return a.DeleteNamespace(ctx, "team-w", false) }},
	}
}

// wait reports whether a notification arrives within d.
func wait(changes <-chan struct{}, d time.Duration) bool {
	select {
	case <-changes:
		return true
	case <-time.After(d):
		return false
	}
}

// TestWatchKeysSeesKeyChecksOfAnotherReplica: a key check recorded through
// one replica (a rotation) reaches another with its key id, in order; a
// catch-up notice ("") comes first, when the LISTEN is in place.
func TestWatchKeysSeesKeyChecksOfAnotherReplica(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	a := open(t, dbURL, postgres.Options{})
	defer a.Close()
	b := open(t, dbURL, postgres.Options{})
	defer b.Close()
	ctx, cancel := context.WithCancel(t.Context())
	keys := make(chan string, 16)
	done := make(chan error, 1)
	go func() { done <- b.WatchChangesAndKeys(ctx, func() {}, func(id string) { keys <- id }) }()

	next := func() string {
		select {
		case id := <-keys:
			return id
		case <-time.After(5 * time.Second):
			return "(none within 5s)"
		}
	}
	if got := next(); got != "" {
		t.Fatalf("first key notice = %q, want the catch-up notice \"\"", got)
	}
	for _, id := range []string{"k-first", "k-second", "k-first"} {
		if err := a.PutKeyCheck(t.Context(), id, []byte("check")); err != nil {
			t.Fatal(err)
		}
		if got := next(); got != id {
			t.Errorf("after PutKeyCheck(%q) through A, B got %q", id, got)
		}
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("WatchChangesAndKeys returned %v, want context.Canceled", err)
	}
}
