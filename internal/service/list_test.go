package service_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/service"
)

// listSpy records the options of every ListRecords call it passes on to the
// real store.
type listSpy struct {
	tether.Store
	mu    sync.Mutex
	calls []tether.ListOptions
}

func (s *listSpy) ListRecords(ctx context.Context, ns string, o tether.ListOptions) ([]*tether.Record, error) {
	s.mu.Lock()
	s.calls = append(s.calls, o)
	s.mu.Unlock()
	return s.Store.ListRecords(ctx, ns, o)
}

func (s *listSpy) last() tether.ListOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[len(s.calls)-1]
}

func ids(list []*tether.Connection) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func TestOdahuPagesUseKeysetCursors(t *testing.T) {
	f := newFixture(t)
	spy := &listSpy{Store: f.store}
	conns := service.New(spy, f.keys, conntype.New(), nil).Connections
	var all []string
	for i := range 30 {
		id := fmt.Sprintf("reg-%02d", i)
		all = append(all, id)
		if _, err := conns.Create(f.ctx, "default", docker(id, "cGFzcw==")); err != nil {
			t.Fatal(err)
		}
	}
	page := func(p int) []string {
		t.Helper()
		list, err := conns.List(f.ctx, "default", tether.ConnectionFilter{Page: p, Size: 7})
		if err != nil {
			t.Fatal(err)
		}
		return ids(list)
	}
	var walked []string
	for p := 0; p < 5; p++ {
		walked = append(walked, page(p)...)
		if o := spy.last(); p > 0 && (o.After == "" || o.Offset != 0) {
			t.Errorf("page %d: store asked for %+v, want a keyset query", p, o)
		}
	}
	if !slices.Equal(walked, all) {
		t.Errorf("walking the pages gave %v", walked)
	}

	// A delete moves page boundaries: the next page is offset-exact again.
	if err := conns.Delete(f.ctx, "default", "reg-03"); err != nil {
		t.Fatal(err)
	}
	rest := slices.Delete(slices.Clone(all), 3, 4)
	if got := page(2); !slices.Equal(got, rest[14:21]) {
		t.Errorf("page 2 after a delete = %v, want %v", got, rest[14:21])
	}
	// Invalidate (another server wrote) also forgets the cursors.
	page(3)
	conns.Invalidate()
	page(4)
	if o := spy.last(); o.After != "" || o.Offset != 28 {
		t.Errorf("after Invalidate the store was asked for %+v, want offset 28", o)
	}
}

func TestKeysetAfter(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		if _, err := f.conns.Create(f.ctx, "default", docker(fmt.Sprintf("r%d", i), "cGFzcw==")); err != nil {
			t.Fatal(err)
		}
	}
	list, err := f.conns.List(f.ctx, "default", tether.ConnectionFilter{After: "r1", Size: 2})
	if err != nil || !slices.Equal(ids(list), []string{"r2", "r3"}) {
		t.Errorf("after r1 = %v, %v", ids(list), err)
	}
	_, err = f.conns.List(f.ctx, "default", tether.ConnectionFilter{After: "r1", Page: 1})
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("after with page: %v", err)
	}
}
