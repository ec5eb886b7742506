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
