package main_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestReplicasKeyRotation rotates the shared key through A ("tether keys
// rotate") while goroutines keep reading 300 connections decrypted through
// B, whose keyring learns the new key only from the key file when it meets
// a record wrapped by it: no read fails or differs, during or after the
// rotation, and a replica started afterwards reads everything too.
func TestReplicasKeyRotation(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	a, b := rs.start(), rs.start()
	r := &reader{s: b, token: b.token(), want: map[string]string{}}
	for i := 0; i < rotationConns; i++ {
		id := fmt.Sprintf("registry-%03d", i)
		r.ids = append(r.ids, id)
		r.want[id] = b64(id + "-" + randomHex(t, 8))
	}
	createAll(t, a, r)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() { r.loop(stop, g*rotationConns/4) })
	}
	time.Sleep(50 * time.Millisecond)
	r.rotating.Store(true)
	res := newCLI(t, a).run("", "keys", "rotate")
	r.rotating.Store(false)
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()

	wantExit(t, res, 0)
	m := rotatedLine.FindStringSubmatch(res.Stdout)
	if m == nil || res.Stderr != "" {
		t.Fatalf("keys rotate: stdout %q, stderr %q; want %q", res.Stdout, res.Stderr, "rotated: new primary key ID\n")
	}
	t.Logf("reads through B: %d good (%d during the rotation), %d failed", r.ok.Load(), r.during.Load(), r.bad.Load())
	if r.bad.Load() != 0 || r.during.Load() == 0 {
		t.Errorf("reads through B: %d good (%d during the rotation), %d failed, first failures: %q",
			r.ok.Load(), r.during.Load(), r.bad.Load(), first(r.failures, 5))
	}
	checkKeyFile(t, rs.KeyFile, m[1])
	var stale int
	if err := pgConnect(t, rs.DB).QueryRow(t.Context(),
		`SELECT count(*) FROM connections WHERE key_id <> $1`, m[1]).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Errorf("%d connections are not wrapped by the new key %s after the rotation", stale, m[1])
	}

	c := rs.start()
	for name, s := range map[string]*server{"B": b, "C (started after the rotation)": c} {
		r.s = s
		var failures []string
		for _, id := range r.ids {
			if msg := r.readOne(id); msg != "" {
				failures = append(failures, msg)
			}
		}
		if len(failures) > 0 {
			t.Errorf("after the rotation, %d of %d reads through %s failed, first: %q",
				len(failures), len(r.ids), name, first(failures, 3))
		}
	}
	for _, s := range []*server{a, b, c} {
		s.stop()
	}
}

// createAll creates, through s with four concurrent clients, a docker
// connection for each of r.ids with the password r.want[id] (its wire
// form), failing t if any create does not answer 201.
func createAll(t *testing.T, s *server, r *reader) {
	t.Helper()
	h := bearer(s.token())
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := g; i < len(r.ids); i += 4 {
				id := r.ids[i]
				body := dockerBody(id, "robot", "")
				body["spec"].(map[string]any)["password"] = r.want[id]
				status, _, out, err := s.send(h, http.MethodPost, "/api/v1/connection", body)
				if err != nil || status != http.StatusCreated {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s: %v %d %s", id, err, status, out))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d creates failed, first: %q", len(failures), first(failures, 5))
	}
}

// TestReplicasSealWithTheNewKeyAtOnce rotates the shared key through A while
// B keeps creating connections and never opens one, so B can learn of the
// rotation from the change feed only. Every record B created during the
// rotation ends up wrapped by the new key, and one created through B right
// after "keys rotate" returns is sealed with it, as the key id stored beside
// each record and the one inside its envelope say.
func TestReplicasSealWithTheNewKeyAtOnce(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	a, b := rs.start(), rs.start()
	r := &reader{s: a, token: a.token(), want: map[string]string{}}
	for i := 0; i < rotationConns; i++ {
		id := fmt.Sprintf("registry-%03d", i)
		r.ids = append(r.ids, id)
		r.want[id] = b64(id + "-" + randomHex(t, 8))
	}
	createAll(t, a, r)

	h := bearer(b.token())
	create := func(id string) string {
		status, _, out, err := b.send(h, http.MethodPost, "/api/v1/connection", dockerBody(id, "robot", "pw-"+id))
		if err != nil || status != http.StatusCreated {
			return fmt.Sprintf("create %s through B: %v %d %s", id, err, status, out)
		}
		return ""
	}
	stop, during := make(chan struct{}), make(chan []string, 1)
	go func() {
		var failures []string
		for i := 0; ; i++ {
			select {
			case <-stop:
				during <- failures
				return
			default:
			}
			// "added-" sorts before "registry-": behind the rotation's cursor.
			if msg := create(fmt.Sprintf("added-%04d", i)); msg != "" {
				failures = append(failures, msg)
			}
		}
	}()
	res := newCLI(t, a).run("", "keys", "rotate")
	close(stop)
	if failures := <-during; len(failures) > 0 {
		t.Errorf("%d creates through B during the rotation failed, first: %q", len(failures), first(failures, 3))
	}
	if msg := create("after-rotation"); msg != "" {
		t.Fatal(msg)
	}
	wantExit(t, res, 0)
	m := rotatedLine.FindStringSubmatch(res.Stdout)
	if m == nil {
		t.Fatalf("keys rotate: stdout %q, stderr %q", res.Stdout, res.Stderr)
	}
	stale := staleRecords(t, rs.DB, m[1])
	if len(stale) > 0 {
		t.Errorf("%d records are not sealed with the new primary key %s: %q", len(stale), m[1], first(stale, 5))
	}
}

// staleRecords returns, as "id: column key, envelope key", every record of
// the database whose key_id column or whose envelope's key id (byte 1 is
// its length, the id follows) is not keyID. It fails t if the record
// created through B after the rotation is missing.
func staleRecords(t *testing.T, db, keyID string) []string {
	t.Helper()
	rows, err := pgConnect(t, db).Query(t.Context(), `SELECT id, key_id, sealed FROM connections ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var stale []string
	seen := false
	for rows.Next() {
		var id, column string
		var sealed []byte
		if err := rows.Scan(&id, &column, &sealed); err != nil {
			t.Fatal(err)
		}
		envelope := ""
		if len(sealed) >= 2 && len(sealed) >= 2+int(sealed[1]) {
			envelope = string(sealed[2 : 2+int(sealed[1])])
		}
		seen = seen || id == "after-rotation"
		if column != keyID || envelope != keyID {
			stale = append(stale, fmt.Sprintf("%s: column %s, envelope %s", id, column, envelope))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Error("the record created through B after the rotation is not in the database")
	}
	return stale
}
