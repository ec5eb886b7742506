package main_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, for PRAGMA integrity_check
)

// loadWriters is how many clients create connections at once.
const loadWriters = 4

// TestDurableAcrossSIGKILL creates connections as fast as four clients can
// and kills the server with SIGKILL at a random moment, then restarts it on
// the same data: every create the server acknowledged (201) is there, with
// exactly its secret, and nothing is there that was never sent. SQLite runs
// with --fsync and must pass PRAGMA integrity_check afterwards; PostgreSQL
// must run with fsync on.
func TestDurableAcrossSIGKILL(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		o := serverOptions{Dir: t.TempDir(), Args: []string{"--fsync"}}
		o.fill(t)
		crashAndRecover(t, o)
		checkIntegrity(t, filepath.Join(o.DataDir, "tether.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db := freshDatabase(t)
		requireFsync(t, db)
		crashAndRecover(t, serverOptions{Dir: t.TempDir(), Args: []string{"--db", db}})
	})
}

// createLoad is the outcome of clients creating connections until the
// server dies.
type createLoad struct {
	nonce    string // makes each run's secrets its own
	killed   atomic.Bool
	mu       sync.Mutex
	sent     map[string]bool // every id a create was sent for
	acked    []string        // ids answered 201
	failures []string        // other answers before the kill
}

// secret is the raw secret of connection id: unique, and derived from the
// id so that a secret stored under another id shows.
func (l *createLoad) secret(id string) string {
	sum := sha256.Sum256([]byte(l.nonce + "/" + id))
	return hex.EncodeToString(sum[:16])
}

// run creates connections dur-W-N through s, one after the other, until a
// request fails at the transport level (the server is gone).
func (l *createLoad) run(s *server, h http.Header, w int) {
	for n := 0; ; n++ {
		id := fmt.Sprintf("dur-%d-%06d", w, n)
		l.mu.Lock()
		l.sent[id] = true
		l.mu.Unlock()
		status, _, body, err := s.send(h, http.MethodPost, "/api/v1/connection", dockerBody(id, "robot", l.secret(id)))
		if err != nil {
			return
		}
		l.mu.Lock()
		switch {
		case status == http.StatusCreated:
			l.acked = append(l.acked, id)
		case !l.killed.Load(): // after the kill, another test's server may own the port
			l.failures = append(l.failures, fmt.Sprintf("%s: %d %s", id, status, body))
		}
		l.mu.Unlock()
		if status != http.StatusCreated {
			return
		}
	}
}

// crashAndRecover starts the server of o, kills it with SIGKILL 300-1500 ms
// into a create load, restarts it on the same data, and checks that every
// acknowledged create survived with its secret.
func crashAndRecover(t *testing.T, o serverOptions) {
	t.Helper()
	s := startServer(t, o)
	h := bearer(s.token())
	l := &createLoad{nonce: randomHex(t, 8), sent: map[string]bool{}}
	var wg sync.WaitGroup
	for w := 0; w < loadWriters; w++ {
		wg.Go(func() { l.run(s, h, w) })
	}
	delay := 300*time.Millisecond + rand.N(1200*time.Millisecond)
	time.Sleep(delay)
	l.killed.Store(true)
	s.kill() // SIGKILL
	wg.Wait()
	t.Logf("killed %v into the load: %d creates acknowledged, %d sent", delay, len(l.acked), len(l.sent))
	if len(l.failures) > 0 {
		t.Errorf("%d creates failed before the kill, first: %q", len(l.failures), first(l.failures, 5))
	}
	if len(l.acked) == 0 {
		t.Fatalf("no create was acknowledged in %v: the test proved nothing; server log:\n%s", delay, s.Logs)
	}

	s = startServer(t, o) // /readyz answered 200
	if lost := l.verify(s, h); len(lost) > 0 {
		t.Errorf("%d of %d acknowledged creates are missing or wrong after the restart, first: %q",
			len(lost), len(l.acked), first(lost, 5))
	}
	present := allIDs(t, s)
	acked := map[string]bool{}
	for _, id := range l.acked {
		acked[id] = true
	}
	unacked := 0
	for _, id := range present {
		switch {
		case !l.sent[id]:
			t.Errorf("after the restart the store holds %q, which was never sent", id)
		case !acked[id]:
			unacked++ // in flight at the kill: committed, not answered
		}
	}
	t.Logf("after the restart: %d connections, %d of them in flight at the kill", len(present), unacked)
	s.stop()
}

// verify reads every acknowledged id decrypted through s, four at a time,
// and returns what was missing or wrong.
func (l *createLoad) verify(s *server, h http.Header) []string {
	var mu sync.Mutex
	var bad []string
	var wg sync.WaitGroup
	for w := 0; w < loadWriters; w++ {
		wg.Go(func() {
			for i := w; i < len(l.acked); i += loadWriters {
				id := l.acked[i]
				if msg := l.check(s, h, id); msg != "" {
					mu.Lock()
					bad = append(bad, msg)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return bad
}

// check reads id decrypted and returns what is wrong with it, or "".
func (l *createLoad) check(s *server, h http.Header, id string) string {
	status, _, body, err := s.send(h, http.MethodGet, "/api/v1/connection/"+id+"/decrypted", nil)
	if err != nil || status != http.StatusOK {
		return fmt.Sprintf("%s: %v %d %s", id, err, status, strings.TrimSpace(string(body)))
	}
	var c connection
	if err := json.Unmarshal(body, &c); err != nil {
		return fmt.Sprintf("%s: %v", id, err)
	}
	if c.ID != id || c.Spec["password"] != b64(l.secret(id)) || c.Status.Version != 1 {
		return fmt.Sprintf("%s: got id %q, version %d, a password that is not its secret", id, c.ID, c.Status.Version)
	}
	return ""
}

// allIDs lists every connection of s, by keyset pages of 500.
func allIDs(t *testing.T, s *server) []string {
	t.Helper()
	var all []string
	for {
		q := "?size=500"
		if len(all) > 0 {
			q += "&after=" + url.QueryEscape(all[len(all)-1])
		}
		page := listIDs(t, s, q)
		all = append(all, page...)
		if len(page) < 500 {
			return all
		}
	}
}

// checkIntegrity runs PRAGMA integrity_check on the SQLite database at
// path (no server may have it open) and requires "ok".
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), "PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		got = append(got, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, want [ok]", got)
	}
}

// requireFsync fails t unless the PostgreSQL server of dbURL flushes its
// WAL at every commit: otherwise acknowledged writes may be lost to a
// crash by design, and a durability test proves nothing.
func requireFsync(t *testing.T, dbURL string) {
	t.Helper()
	conn := pgConnect(t, dbURL)
	for setting, bad := range map[string]string{"fsync": "off", "synchronous_commit": "off"} {
		var v string
		if err := conn.QueryRow(t.Context(), "SHOW "+setting).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v == bad {
			t.Fatalf("the test PostgreSQL server runs with %s=%s: durability cannot be tested (scripts/testenv/postgres.sh starts one with fsync on)", setting, v)
		}
	}
}
