package http_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/sqlite"
)

// TestClientWatch: the Go client's Watch reads the stream the server
// writes: events in order, EGONE for a version no longer kept, and the
// error of fn, which ends the watch.
func TestClientWatch(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "tether.db"), sqlite.Options{ChangeHistory: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := serveStore(t, st, dir, "")
	cl, err := client.NewClient(s.srv.URL, func() (string, error) { return s.token, nil }, s.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		s.createConn(t, "default", fmt.Sprintf("c%d", i))
	}
	err = cl.Watch(t.Context(), "default", tether.WatchOptions{Resume: true, ResourceVersion: 1},
		func(tether.WatchEvent) error { return nil })
	if tether.ErrorCode(err) != tether.EGONE {
		t.Errorf("Watch from a version no longer kept = %v, want EGONE", err)
	}
	var got []string
	stop := errors.New("enough")
	err = cl.Watch(t.Context(), "", tether.WatchOptions{Resume: true, ResourceVersion: 2}, func(e tether.WatchEvent) error {
		if e.Connection != nil {
			got = append(got, fmt.Sprintf("%s %s %d", e.Type, e.Connection.ID, e.ResourceVersion))
		}
		if len(got) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || strings.Join(got, ",") != "ADDED c2 3,ADDED c3 4" {
		t.Errorf("Watch = %v after %q, want fn's error after ADDED c2 3, ADDED c3 4", err, got)
	}
}
