package main_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// raceRounds is how many times two replicas race to update one connection.
const raceRounds = 20

// updateOutcome is what one racing update got back.
type updateOutcome struct {
	replica  string
	username string
	status   int
	body     []byte
	err      error
}

// String describes o for failure messages.
func (o updateOutcome) String() string {
	return fmt.Sprintf("%s: %d %s (%v)", o.replica, o.status, strings.TrimSpace(string(o.body)), o.err)
}

// TestReplicasConditionalUpdateRace updates one connection through A and
// through B at the same moment, both conditional on the same version
// (If-Match): in every round exactly one wins (200) and the other gets 409,
// and the stored connection is the winner's. The final version counts the
// successful updates.
func TestReplicasConditionalUpdateRace(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	a, b := rs.start(), rs.start()
	const id = "contended"
	path := "/api/v1/connection/" + id
	mustStatus(t, a, http.StatusCreated, http.MethodPost, "/api/v1/connection", dockerBody(id, "robot", "initial"))
	token := a.token()
	wins := 0
	for round := 1; round <= raceRounds; round++ {
		version := 1 + wins
		outcomes := raceUpdates(token, path, version, round, map[string]*server{"A": a, "B": b})
		var won []updateOutcome
		for _, o := range outcomes {
			switch {
			case o.err != nil:
				t.Fatalf("round %d: update through %s: %v", round, o.replica, o.err)
			case o.status == http.StatusOK:
				won = append(won, o)
			case o.status != http.StatusConflict:
				t.Errorf("round %d: update through %s: %d %s, want 200 or 409", round, o.replica, o.status, o.body)
			}
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d updates of version %d succeeded, want exactly 1: %v", round, len(won), version, outcomes)
		}
		wins++
		// Both replicas read the winner's write, at the next version.
		for _, s := range []*server{a, b} {
			wantConn(t, s, path+"/decrypted", version+1, won[0].username, b64(won[0].username+"-pw"))
		}
	}
	status, c := getConn(t, b, path)
	if status != http.StatusOK || c.Status.Version != wins+1 {
		t.Errorf("final version %d (status %d), want %d: %d successful updates + 1", c.Status.Version, status, wins+1, wins)
	}
	a.stop()
	b.stop()
}

// raceUpdates sends, at the same moment (a barrier), one update of path
// conditional on version through each replica, each with a username of its
// own, and returns what they got.
func raceUpdates(token, path string, version, round int, replicas map[string]*server) []updateOutcome {
	h := bearer(token)
	h.Set("If-Match", strconv.Quote(strconv.Itoa(version)))
	id := strings.TrimPrefix(path, "/api/v1/connection/")
	start := make(chan struct{})
	out := make([]updateOutcome, 0, len(replicas))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, s := range replicas {
		user := fmt.Sprintf("robot-%s-%d", strings.ToLower(name), round)
		wg.Go(func() {
			<-start
			status, _, body, err := s.send(h, http.MethodPut, path, dockerBody(id, user, user+"-pw"))
			mu.Lock()
			defer mu.Unlock()
			out = append(out, updateOutcome{replica: name, username: user, status: status, body: body, err: err})
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestReplicasStartTogether starts three replicas at the same moment on a
// fresh database, sharing a key file made beforehand: all come up, and
// every migration was applied exactly once (under the advisory lock).
func TestReplicasStartTogether(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	rs.KeyFile = newKeyFile(t)
	servers := make([]*server, 3)
	for i := range servers {
		o := rs.options()
		servers[i] = newServer(t, o)
	}
	start := make(chan struct{})
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() {
			<-start
			errs[i] = s.launch()
		})
	}
	close(start)
	wg.Wait()
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("start replica %d: %v", i, errs[i])
		}
		s.awaitUp()
	}

	want := migrationNames(t)
	rows, err := pgConnect(t, rs.DB).Query(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version, name`)
	if err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	var got []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s", v, name))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema_migrations holds %q, want each migration once: %q", got, want)
	}
	// All three serve the same data.
	mustStatus(t, servers[0], http.StatusCreated, http.MethodPost, "/api/v1/connection", dockerBody("first", "robot", "pw"))
	for _, s := range servers {
		wantConn(t, s, "/api/v1/connection/first/decrypted", 1, "robot", b64("pw"))
		s.stop()
	}
}

// migrationNames returns "VERSION NAME" for each PostgreSQL migration of
// the source tree, in version order: what schema_migrations must hold.
func migrationNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../internal/postgres/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no PostgreSQL migrations found (%v)", err)
	}
	slices.Sort(files)
	var out []string
	for _, f := range files {
		base := filepath.Base(f)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", base, err)
		}
		out = append(out, fmt.Sprintf("%d %s", v, base))
	}
	return out
}

// newKeyFile returns a new key file, made by a server on a throwaway
// SQLite data directory (Tether has no other way to make one).
func newKeyFile(t *testing.T) string {
	t.Helper()
	s := startServer(t, serverOptions{})
	s.stop()
	path := filepath.Join(s.DataDir, "tether.key")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the server made no key file: %v", err)
	}
	return path
}
