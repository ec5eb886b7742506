package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rotatedLine is what "tether keys rotate" prints on success.
var rotatedLine = regexp.MustCompile(`^rotated: new primary key (\S+)\n$`)

// rotationConns is how many connections the rotation test re-wraps.
const rotationConns = 300

// reader reads decrypted connections in a loop and counts the outcomes.
type reader struct {
	s        *server
	token    string
	want     map[string]string // id -> password as posted
	ids      []string
	ok, bad  atomic.Int64
	during   atomic.Int64 // good reads made while rotating is set
	rotating atomic.Bool
	mu       sync.Mutex
	failures []string
}

// loop reads until stop is closed, starting at offset.
func (r *reader) loop(stop <-chan struct{}, offset int) {
	for i := offset; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		id := r.ids[i%len(r.ids)]
		if msg := r.readOne(id); msg != "" {
			r.bad.Add(1)
			r.mu.Lock()
			r.failures = append(r.failures, msg)
			r.mu.Unlock()
			continue
		}
		r.ok.Add(1)
		if r.rotating.Load() {
			r.during.Add(1)
		}
	}
}

// readOne reads one decrypted connection and returns what was wrong, or "".
func (r *reader) readOne(id string) string {
	status, _, body, err := r.s.send(bearer(r.token), http.MethodGet, "/api/v1/connection/"+id+"/decrypted", nil)
	if err != nil || status != http.StatusOK {
		return fmt.Sprintf("%s: %v %d %s", id, err, status, body)
	}
	var c connection
	if err := json.Unmarshal(body, &c); err != nil || c.Spec["password"] != r.want[id] {
		return fmt.Sprintf("%s: wrong password (%v)", id, err)
	}
	return ""
}

// TestKeysRotateWhileReading rotates the key of a server holding 300
// connections while goroutines keep reading them decrypted: no read fails
// or differs, during or after the rotation, nor after a restart.
func TestKeysRotateWhileReading(t *testing.T) {
	t.Parallel()
	opts := serverOptions{Dir: t.TempDir()}
	s := startServer(t, opts)
	r := &reader{s: s, token: s.token(), want: map[string]string{}}
	for i := 0; i < rotationConns; i++ {
		id := fmt.Sprintf("registry-%03d", i)
		pw := b64(randomHex(t, 16))
		status, body := s.api(http.MethodPost, "/api/v1/connection", map[string]any{
			"kind": "Connection", "id": id,
			"spec": map[string]any{"type": "docker", "uri": "registry.example.com/team", "username": "robot", "password": pw},
		})
		if status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", id, status, body)
		}
		r.want[id], r.ids = pw, append(r.ids, id)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(stop, g*rotationConns/4)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	r.rotating.Store(true)
	res := newCLI(t, s).run("", "keys", "rotate")
	r.rotating.Store(false)
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()

	wantExit(t, res, 0)
	m := rotatedLine.FindStringSubmatch(res.Stdout)
	if m == nil || res.Stderr != "" {
		t.Fatalf("keys rotate: stdout %q, stderr %q; want %q", res.Stdout, res.Stderr, "rotated: new primary key ID\n")
	}
	if r.bad.Load() != 0 || r.during.Load() == 0 {
		t.Errorf("reads: %d good (%d during the rotation), %d failed, first failures: %q",
			r.ok.Load(), r.during.Load(), r.bad.Load(), first(r.failures, 5))
	}
	t.Logf("reads: %d good, %d during the rotation", r.ok.Load(), r.during.Load())
	checkKeyFile(t, filepath.Join(s.DataDir, "tether.key"), m[1])

	s.stop()
	s = startServer(t, opts)
	r.s = s
	for _, id := range r.ids {
		if msg := r.readOne(id); msg != "" {
			t.Errorf("after restart: %s", msg)
		}
	}
	s.stop()
}

// checkKeyFile requires the key file to hold two keys, primary the new one.
func checkKeyFile(t *testing.T, path, primary string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kf struct {
		Primary string `json:"primary"`
		Keys    []struct {
			ID string `json:"id"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &kf); err != nil {
		t.Fatalf("key file: %v", err)
	}
	if kf.Primary != primary || len(kf.Keys) != 2 || kf.Keys[0].ID == kf.Keys[1].ID ||
		(kf.Keys[0].ID != primary && kf.Keys[1].ID != primary) {
		t.Errorf("key file: primary %q, keys %+v; want primary %q among two keys", kf.Primary, kf.Keys, primary)
	}
}

// first returns at most n elements of list.
func first(list []string, n int) []string {
	return list[:min(n, len(list))]
}
