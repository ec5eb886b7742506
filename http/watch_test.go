package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/sqlite"
)

// watchSecret is the password of every connection the watch tests write,
// base64 as the API takes it; watchPlain is what it decodes to.
const watchSecret, watchPlain = "d2F0Y2gtc2VjcmV0LXB3", "watch-secret-pw"

// event is one line of a watch stream, with its raw bytes.
type event struct {
	tether.WatchLine
	raw string
	rv  int64
	id  string // the connection's id, or ""
}

// stream is a watch being read.
type stream struct {
	lines  chan event
	ended  chan struct{}
	cancel context.CancelFunc
}

// openWatch starts a watch of path as the caller of token; it fails t
// unless the server answers 200.
func (s *stack) openWatch(t *testing.T, token, path string) *stream {
	t.Helper()
	resp, cancel := s.watchResponse(t, token, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	w := &stream{lines: make(chan event, 10000), ended: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			w.lines <- parseEvent(t, sc.Text())
		}
	}()
	t.Cleanup(func() { cancel(); <-w.ended })
	return w
}

// watchResponse sends the GET of a watch, with a context the returned
// function cancels.
func (s *stack) watchResponse(t *testing.T, token, path string) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", s.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return resp, cancel
}

func parseEvent(t *testing.T, raw string) event {
	e := event{raw: raw}
	if err := json.Unmarshal([]byte(raw), &e.WatchLine); err != nil {
		t.Errorf("a line that is not a watch event: %q", raw)
		return e
	}
	e.rv, _ = strconv.ParseInt(e.ResourceVersion, 10, 64)
	if e.Type != tether.EventBookmark && e.Type != tether.EventError {
		var c tether.Connection
		if err := json.Unmarshal(e.Object, &c); err != nil {
			t.Errorf("the object of %q is not a connection: %v", raw, err)
		}
		e.id = c.ID
	}
	return e
}

// changes returns the next n events that are not bookmarks, or fails t
// after 20 seconds; every line read is checked for the secret.
func (w *stream) changes(t *testing.T, n int) []event {
	t.Helper()
	var out []event
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case e := <-w.lines:
			wantNoWatchSecret(t, e.raw)
			if e.Type != tether.EventBookmark {
				out = append(out, e)
			}
		case <-w.ended:
			if len(w.lines) > 0 {
				continue // read what came before the end first
			}
			t.Fatalf("the stream ended after %d of %d events", len(out), n)
		case <-timeout:
			t.Fatalf("%d of %d events after 20s", len(out), n)
		}
	}
	return out
}

// next returns the next event, bookmark or not.
func (w *stream) next(t *testing.T) event {
	t.Helper()
	select {
	case e := <-w.lines:
		wantNoWatchSecret(t, e.raw)
		return e
	case <-w.ended:
		if len(w.lines) > 0 {
			return w.next(t)
		}
		t.Fatal("the stream ended")
	case <-time.After(10 * time.Second):
		t.Fatal("no event after 10s")
	}
	return event{}
}

func wantNoWatchSecret(t *testing.T, raw string) {
	t.Helper()
	if strings.Contains(raw, watchSecret) || strings.Contains(raw, watchPlain) {
		t.Errorf("a watch event holds the secret: %s", raw)
	}
}

// createConn creates a docker connection holding watchSecret in ns.
func (s *stack) createConn(t *testing.T, ns, id string) {
	t.Helper()
	body := `{"id":"` + id + `","spec":{"type":"docker","uri":"reg.example","username":"u","password":"` + watchSecret + `"}}`
	if r := s.do("POST", "/api/v1/namespaces/"+ns+"/connection", body); r.status != http.StatusCreated {
		t.Fatalf("create %s/%s: %d %s", ns, id, r.status, r.body)
	}
}

func TestWatchStreamsEvents(t *testing.T) {
	for _, store := range bothStores() {
		t.Run(store.name, func(t *testing.T) {
			s := store.open(t)
			s.createConn(t, "default", "a")
			w := s.openWatch(t, s.token, "/api/v1/connection?watch=true")
			first, bookmark := w.next(t), w.next(t)
			if first.Type != "ADDED" || first.id != "a" || bookmark.Type != tether.EventBookmark {
				t.Fatalf("initial events %s %s, %s; want ADDED a, BOOKMARK", first.Type, first.id, bookmark.Type)
			}
			s.createConn(t, "default", "b")
			update := `{"id":"a","spec":{"type":"docker","uri":"reg2.example","username":"u","password":"*****"}}`
			if r := s.do("PUT", "/api/v1/connection", update); r.status != http.StatusOK {
				t.Fatalf("update: %d %s", r.status, r.body)
			}
			if r := s.do("DELETE", "/api/v1/connection/b", ""); r.status != http.StatusOK {
				t.Fatalf("delete: %d %s", r.status, r.body)
			}
			got := w.changes(t, 3)
			want := []string{"ADDED b", "MODIFIED a", "DELETED b"}
			for i, e := range got {
				if e.Type+" "+e.id != want[i] || e.rv != bookmark.rv+int64(i)+1 {
					t.Errorf("event %d: %s %s at %d, want %s at %d", i, e.Type, e.id, e.rv, want[i], bookmark.rv+int64(i)+1)
				}
			}
			if e := w.next(t); e.Type != tether.EventBookmark || e.rv != got[2].rv {
				t.Errorf("after a quiet 200ms: %s at %d, want a bookmark at %d", e.Type, e.rv, got[2].rv)
			}
			s.api.CloseWatches()
			select {
			case <-w.ended:
			case <-time.After(5 * time.Second):
				t.Error("the stream still runs 5s after CloseWatches")
			}
		})
	}
}

func TestWatchRefusals(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "tether.db"), sqlite.Options{ChangeHistory: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := serveStore(t, st, dir, "")
	for i := range 4 {
		s.createConn(t, "default", fmt.Sprintf("c%d", i))
	}
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/api/v1/connection?watch=true&resourceVersion=1", "resource version 1 is too old", http.StatusGone},
		{"/api/v1/connection?watch=true&resourceVersion=2", "", http.StatusOK},
		{"/api/v1/connection?watch=maybe", "watch", http.StatusBadRequest},
		{"/api/v1/connection?watch=true&resourceVersion=-1", "resourceVersion", http.StatusBadRequest},
		{"/api/v1/connection?resourceVersion=3", "needs watch=true", http.StatusBadRequest},
		{"/api/v1/connections", "watches only", http.StatusBadRequest},
		{"/api/v1/namespaces/nowhere/connection?watch=true", "not found", http.StatusNotFound},
	} {
		resp, cancel := s.watchResponse(t, s.token, tc.path)
		var msg tether.MessageBody
		if tc.status != http.StatusOK {
			_ = json.NewDecoder(resp.Body).Decode(&msg)
		}
		resp.Body.Close()
		cancel()
		if resp.StatusCode != tc.status || !strings.Contains(msg.Message, tc.want) {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, msg.Message, tc.status, tc.want)
		}
	}
}

// replicas starts two servers on one fresh PostgreSQL database, sharing
// the key file and the admin token.
func replicas(t *testing.T) (*stack, *stack) {
	t.Helper()
	dbURL := pgtest.FreshDatabase(t, "")
	shared := t.TempDir()
	tokenFile := filepath.Join(shared, "admin.token")
	if err := os.WriteFile(tokenFile, []byte("replica-admin-token-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out []*stack
	keyFile := ""
	for range 2 {
		st, err := postgres.Open(t.Context(), dbURL, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		dir := t.TempDir()
		out = append(out, serveReplica(t, st, dir, keyFile, tokenFile, conntype.New()))
		keyFile = filepath.Join(dir, "tether.key")
	}
	return out[0], out[1]
}

func TestWatchAcrossReplicas(t *testing.T) {
	a, b := replicas(t)
	watchers := []*stream{a.openWatch(t, a.token, "/api/v1/connection?watch=true"),
		b.openWatch(t, b.token, "/api/v1/connection?watch=true")}
	start := watchers[0].next(t).rv
	if e := watchers[1].next(t); e.Type != tether.EventBookmark {
		t.Fatalf("first event of an empty store: %s", e.Type)
	}
	const writers, each = 8, 6
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				s := []*stack{a, b}[(w+i)%2]
				body := fmt.Sprintf(`{"id":"w%d-%d","spec":{"type":"docker","uri":"r","username":"u","password":"%s"}}`, w, i, watchSecret)
				if r := s.do("POST", "/api/v1/connection", body); r.status != http.StatusCreated {
					t.Errorf("create: %d %s", r.status, r.body)
				}
			}
		}()
	}
	// The first watcher drops its connection midway and resumes from the
	// last version it saw.
	firstHalf := watchers[0].changes(t, writers*each/2)
	watchers[0].cancel()
	<-watchers[0].ended
	resumed := a.openWatch(t, a.token, fmt.Sprintf("/api/v1/connection?watch=true&resourceVersion=%d", firstHalf[len(firstHalf)-1].rv))
	wg.Wait()
	seen := [][]event{append(firstHalf, resumed.changes(t, writers*each/2)...), watchers[1].changes(t, writers*each)}
	for i, list := range seen {
		var ids []string
		for j, e := range list {
			if e.Type != "ADDED" || e.rv != start+int64(j)+1 {
				t.Errorf("watcher %d, event %d: %s at %d, want ADDED at %d", i, j, e.Type, e.rv, start+int64(j)+1)
			}
			ids = append(ids, e.id)
		}
		slices.Sort(ids)
		if len(slices.Compact(ids)) != writers*each {
			t.Errorf("watcher %d saw %d distinct connections, want %d", i, len(ids), writers*each)
		}
	}
}

func TestWatchEndsForARevokedReader(t *testing.T) {
	a, b := replicas(t)
	mustStatus(t, b.do("POST", "/api/v1/namespaces", `{"name":"team"}`), http.StatusCreated)
	var tok tether.TokenInfo
	r := b.do("POST", "/api/v1/tokens", `{"subject":"user:ann"}`)
	r.json(t, &tok)
	var rb tether.RoleBinding
	r = b.do("POST", "/api/v1/rolebindings", `{"subject":"user:ann","role":"viewer","namespace":"team"}`)
	r.json(t, &rb)
	w := a.openWatch(t, tok.Token, "/api/v1/namespaces/team/connection?watch=true")
	all := a.openWatch(t, tok.Token, "/api/v1/connections?watch=true")
	w.next(t)
	all.next(t)
	b.createConn(t, "default", "hidden")
	b.createConn(t, "team", "seen")
	for _, s := range []*stream{w, all} {
		if e := s.changes(t, 1)[0]; e.id != "seen" {
			t.Errorf("ann's watch sent %s %s, want ADDED seen", e.Type, e.id)
		}
	}
	mustStatus(t, b.do("DELETE", "/api/v1/rolebindings/"+rb.ID, ""), http.StatusOK)
	e := w.changes(t, 1)[0]
	var werr tether.WatchError
	_ = json.Unmarshal(e.Object, &werr)
	if e.Type != tether.EventError || werr.Code != http.StatusForbidden {
		t.Errorf("after the revocation: %s, want an ERROR with code 403", e.raw)
	}
	select {
	case <-w.ended:
	case <-time.After(5 * time.Second):
		t.Error("the revoked reader's stream still runs after 5s")
	}
	b.createConn(t, "team", "later")
	select {
	case e := <-all.lines:
		if e.Type != tether.EventBookmark {
			t.Errorf("the revoked reader's watch of every namespace sent %s", e.raw)
		}
	case <-time.After(500 * time.Millisecond):
	}
}

// TestWatchEndsWhenItsTokenIsRevoked: a watch checks its credential
// again at each bookmark, so revoking the token (on another replica) ends
// it with a 401 ERROR line.
func TestWatchEndsWhenItsTokenIsRevoked(t *testing.T) {
	a, b := replicas(t)
	var tok tether.TokenInfo
	r := b.do("POST", "/api/v1/tokens", `{"subject":"user:bob"}`)
	r.json(t, &tok)
	mustStatus(t, b.do("POST", "/api/v1/rolebindings", `{"subject":"user:bob","role":"viewer","namespace":"default"}`), http.StatusCreated)
	w := a.openWatch(t, tok.Token, "/api/v1/connection?watch=true")
	if e := w.next(t); e.Type != tether.EventBookmark {
		t.Fatalf("first event %s, want a bookmark", e.raw)
	}
	mustStatus(t, b.do("DELETE", "/api/v1/tokens/"+tok.ID, ""), http.StatusOK)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-w.lines:
			if e.Type == tether.EventBookmark {
				continue
			}
			var werr tether.WatchError
			_ = json.Unmarshal(e.Object, &werr)
			if e.Type != tether.EventError || werr.Code != http.StatusUnauthorized {
				t.Fatalf("after the revocation: %s, want an ERROR with code 401", e.raw)
			}
			return
		case <-deadline:
			t.Fatal("the watch of a revoked token still runs after 10s")
		}
	}
}

// TestWatchOutlastsWriteTimeout: a server whose write timeout is 300ms
// (set once per request by net/http) keeps a watch open for longer.
func TestWatchOutlastsWriteTimeout(t *testing.T) {
	s := newStack(t)
	srv := httptest.NewUnstartedServer(s.api)
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	long := &stack{t: t, srv: srv, token: s.token, api: s.api}
	w := long.openWatch(t, s.token, "/api/v1/connection?watch=true")
	w.next(t)
	time.Sleep(time.Second)
	s.createConn(t, "default", "late")
	if e := w.changes(t, 1)[0]; e.id != "late" {
		t.Errorf("after the write timeout: %s %s, want ADDED late", e.Type, e.id)
	}
}
