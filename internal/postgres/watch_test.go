package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/storetest"
)

func TestWatchChangesSeesWritesOfAnotherReplica(t *testing.T) {
	dbURL := freshDB(t, "")
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
	r := storetest.NewRecord("default", "watched", "s3")
	writes := []struct {
		name  string
		write func() error
	}{
		{"create", func() error { return a.CreateRecord(t.Context(), r) }},
		{"rewrap", func() error {
			_, err := a.RewrapRecord(t.Context(), "default", "watched", 1, []byte("x"), "k")
			return err
		}},
		{"delete", func() error { return a.DeleteRecord(t.Context(), "default", "watched") }},
	}
	for _, w := range writes {
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

// wait reports whether a notification arrives within d.
func wait(changes <-chan struct{}, d time.Duration) bool {
	select {
	case <-changes:
		return true
	case <-time.After(d):
		return false
	}
}
