package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// watchFixture is a service set on SQLite whose watches wake on the
// store's notifications, as the server wires them.
type watchFixture struct {
	admin context.Context
	set   *service.Set
}

func newWatchFixture(t *testing.T, history int) *watchFixture {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"), sqlite.Options{ChangeHistory: history})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := seal.Create(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	set := service.New(st, kr, conntype.New(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = st.WatchChanges(ctx, set.Connections.Wake) }()
	admin := tether.WithIdentity(context.Background(), &tether.Identity{Subject: tether.BootstrapSubject})
	return &watchFixture{admin: admin, set: set}
}

// watching is a watch running in the background.
type watching struct {
	events  chan tether.WatchEvent
	done    chan error    // the watch's error, once it returns
	stopped chan struct{} // closed once it returns
}

// watch starts a watch of ns by the caller of ctx. Bookmarks are an hour
// apart unless every is given: the changes must come from the store's
// notifications, not from the safety net.
func (f *watchFixture) watch(t *testing.T, ctx context.Context, ns string, opts tether.WatchOptions) *watching {
	t.Helper()
	if opts.Bookmark == 0 {
		opts.Bookmark = time.Hour
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &watching{events: make(chan tether.WatchEvent, 1000), done: make(chan error, 1), stopped: make(chan struct{})}
	go func() {
		defer close(w.stopped)
		w.done <- f.set.Connections.Watch(ctx, ns, opts, func(e tether.WatchEvent) error {
			w.events <- e
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-w.stopped })
	return w
}

// next returns the next n events, or fails t after 5 seconds.
func (w *watching) next(t *testing.T, n int) []tether.WatchEvent {
	t.Helper()
	var out []tether.WatchEvent
	for len(out) < n {
		select {
		case e := <-w.events:
			out = append(out, e)
		case err := <-w.done:
			t.Fatalf("the watch ended after %d of %d events: %v", len(out), n, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d events after 5s", len(out), n)
		}
	}
	return out
}

// summary is what a test compares of an event.
func summary(events []tether.WatchEvent) []string {
	var out []string
	for _, e := range events {
		s := e.Type
		if e.Connection != nil {
			s += " " + e.Connection.Namespace + "/" + e.Connection.ID
		}
		out = append(out, s)
	}
	return out
}

// wantNoSecret fails t if any event holds one of the secrets, plain or
// base64, in its JSON.
func wantNoSecret(t *testing.T, events []tether.WatchEvent, secrets ...string) {
	t.Helper()
	for _, e := range events {
		raw, err := json.Marshal(e.Connection)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(raw), s) {
				t.Errorf("event %s %s holds a secret: %s", e.Type, e.Connection.ID, raw)
			}
		}
	}
}

func TestWatchListsThenFollows(t *testing.T) {
	f := newWatchFixture(t, 0)
	const secret, encoded = "hunter2-pass", "aHVudGVyMi1wYXNz"
	for _, id := range []string{"a", "b"} {
		if _, err := f.set.Connections.Create(f.admin, "default", docker(id, encoded)); err != nil {
			t.Fatal(err)
		}
	}
	w := f.watch(t, f.admin, "default", tether.WatchOptions{})
	initial := w.next(t, 3)
	if d := cmp.Diff([]string{"ADDED default/a", "ADDED default/b", "BOOKMARK"}, summary(initial)); d != "" {
		t.Fatalf("initial events (-want +got):\n%s", d)
	}
	if _, err := f.set.Connections.Create(f.admin, "default", docker("c", encoded)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.set.Connections.Update(f.admin, "default", docker("a", encoded), tether.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.set.Connections.Delete(f.admin, "default", "b"); err != nil {
		t.Fatal(err)
	}
	live := w.next(t, 3)
	if d := cmp.Diff([]string{"ADDED default/c", "MODIFIED default/a", "DELETED default/b"}, summary(live)); d != "" {
		t.Fatalf("live events (-want +got):\n%s", d)
	}
	for i, e := range live {
		if want := initial[2].ResourceVersion + int64(i) + 1; e.ResourceVersion != want {
			t.Errorf("event %d has resource version %d, want %d", i, e.ResourceVersion, want)
		}
	}
	wantNoSecret(t, append(initial, live...), secret, encoded)
}

func TestWatchResumes(t *testing.T) {
	f := newWatchFixture(t, 3)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if _, err := f.set.Connections.Create(f.admin, "default", docker(id, "cGFzcw==")); err != nil {
			t.Fatal(err)
		}
	}
	w := f.watch(t, f.admin, "default", tether.WatchOptions{Resume: true, ResourceVersion: 3})
	got := summary(w.next(t, 3))
	if d := cmp.Diff([]string{"BOOKMARK", "ADDED default/d", "ADDED default/e"}, got); d != "" {
		t.Errorf("resumed events (-want +got):\n%s", d)
	}
	err := f.set.Connections.Watch(f.admin, "default", tether.WatchOptions{Resume: true, ResourceVersion: 1},
		func(tether.WatchEvent) error {
			t.Error("an event of a watch from a version no longer kept")
			return nil
		})
	if tether.ErrorCode(err) != tether.EGONE {
		t.Errorf("watch from a version no longer kept = %v, want EGONE", err)
	}
}

func TestWatchEndsWhenAccessIsRevoked(t *testing.T) {
	f := newWatchFixture(t, 0)
	if _, err := f.set.Namespaces.Create(f.admin, "team"); err != nil {
		t.Fatal(err)
	}
	b, err := f.set.RoleBindings.Create(f.admin, tether.RoleBinding{Subject: "user:ann", Role: tether.RoleViewer, Namespace: "team"})
	if err != nil {
		t.Fatal(err)
	}
	ann := tether.WithIdentity(context.Background(), &tether.Identity{Subject: "user:ann"})
	w := f.watch(t, ann, "team", tether.WatchOptions{})
	everywhere := f.watch(t, ann, "", tether.WatchOptions{})
	w.next(t, 1)
	everywhere.next(t, 1)
	for _, ns := range []string{"default", "team"} {
		if _, err := f.set.Connections.Create(f.admin, ns, docker("x", "cGFzcw==")); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff([]string{"ADDED team/x"}, summary(everywhere.next(t, 1))); d != "" {
		t.Errorf("the watch of every namespace (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"ADDED team/x"}, summary(w.next(t, 1))); d != "" {
		t.Errorf("the watch of team (-want +got):\n%s", d)
	}
	if err := f.set.RoleBindings.Delete(f.admin, b.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-w.done:
		if tether.ErrorCode(err) != tether.EFORBIDDEN {
			t.Errorf("the revoked watch ended with %v, want EFORBIDDEN", err)
		}
	case e := <-w.events:
		t.Errorf("an event after the revocation: %+v", e)
	case <-time.After(5 * time.Second):
		t.Error("the revoked watch still runs after 5s")
	}
	if _, err := f.set.Connections.Create(f.admin, "team", docker("y", "cGFzcw==")); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-everywhere.events:
		t.Errorf("the watch of every namespace sent %s %s after the revocation", e.Type, e.Connection.ID)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestWatchBookmarks(t *testing.T) {
	f := newWatchFixture(t, 0)
	w := f.watch(t, f.admin, "default", tether.WatchOptions{Bookmark: 20 * time.Millisecond})
	if d := cmp.Diff([]string{"BOOKMARK", "BOOKMARK", "BOOKMARK"}, summary(w.next(t, 3))); d != "" {
		t.Errorf("events of a quiet watch (-want +got):\n%s", d)
	}
	other := tether.WithIdentity(context.Background(), &tether.Identity{Subject: "user:mallory"})
	err := f.set.Connections.Watch(other, "default", tether.WatchOptions{}, func(tether.WatchEvent) error { return nil })
	if tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("a watch by a stranger = %v, want ENOTFOUND", err)
	}
}

// changeCounter counts the reads of the change log.
type changeCounter struct {
	tether.Store
	reads atomic.Int64
}

func (c *changeCounter) Changes(ctx context.Context, after int64, limit int) ([]*tether.Change, error) {
	c.reads.Add(1)
	return c.Store.Changes(ctx, after, limit)
}

// TestWatchesShareReads: after a write, 50 watches at the same version
// read the change log once between them, not once each.
func TestWatchesShareReads(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := seal.Create(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	counter := &changeCounter{Store: st}
	f := &watchFixture{set: service.New(counter, kr, conntype.New(), nil),
		admin: tether.WithIdentity(context.Background(), &tether.Identity{Subject: tether.BootstrapSubject})}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = st.WatchChanges(ctx, f.set.Connections.Wake) }()
	const watches = 50
	var all []*watching
	for range watches {
		w := f.watch(t, f.admin, "default", tether.WatchOptions{})
		w.next(t, 1)
		all = append(all, w)
	}
	time.Sleep(100 * time.Millisecond) // every watch waits for a wake
	before := counter.reads.Load()
	if _, err := f.set.Connections.Create(f.admin, "default", docker("x", "cGFzcw==")); err != nil {
		t.Fatal(err)
	}
	for _, w := range all {
		w.next(t, 1)
	}
	if reads := counter.reads.Load() - before; reads > 3 {
		t.Errorf("%d watches read the change log %d times after one write, want at most 3", watches, reads)
	}
}

// TestWatchListsInPages: the initial events of a namespace larger than a
// page are every connection, once, in order, then a bookmark.
func TestWatchListsInPages(t *testing.T) {
	f := newWatchFixture(t, 0)
	const n = 620
	for i := range n {
		if _, err := f.set.Connections.Create(f.admin, "default", docker(fmt.Sprintf("c%04d", i), "cGFzcw==")); err != nil {
			t.Fatal(err)
		}
	}
	w := f.watch(t, f.admin, "", tether.WatchOptions{})
	events := w.next(t, n+1)
	for i, e := range events[:n] {
		if want := fmt.Sprintf("ADDED default/c%04d", i); summary([]tether.WatchEvent{e})[0] != want {
			t.Fatalf("event %d: %s, want %s", i, summary([]tether.WatchEvent{e})[0], want)
		}
	}
	if last := events[n]; last.Type != tether.EventBookmark || last.ResourceVersion != events[0].ResourceVersion {
		t.Errorf("after the list: %s at %d, want a bookmark at %d", last.Type, last.ResourceVersion, events[0].ResourceVersion)
	}
}
