package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/bench"
)

// benchWorkload makes the requests of each operation against a server
// holding n connections conn-0000000... in the benchmark namespace.
type benchWorkload struct {
	s       *benchServer
	n       int
	created atomic.Int64
	base    string // the namespace's connection collection
}

func newBenchWorkload(s *benchServer, n int) *benchWorkload {
	return &benchWorkload{s: s, n: n, base: s.URL + "/api/v1/namespaces/" + benchNamespace + "/connection"}
}

func (w *benchWorkload) total() int { return w.n + int(w.created.Load()) }

// body is the JSON of an s3 connection with a realistic set of fields.
func benchBody(id, description string) []byte {
	key := base64.StdEncoding.EncodeToString([]byte("AKIA" + id))
	secret := base64.StdEncoding.EncodeToString([]byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCY/" + id))
	return fmt.Appendf(nil, `{"id":%q,"spec":{"type":"s3","uri":"s3://bench-data/%s","region":"eu-central-1",`+
		`"keyID":%q,"keySecret":%q,"description":%q,"parameters":{"endpoint":"https://minio.bench.svc:9000","forcePathStyle":"true"}}}`,
		id, id, key, secret, description)
}

// feed sends 0..n-1 to next until an error arrives, then closes next.
func feed(ctx context.Context, next chan<- int, n int, errs <-chan error) error {
	defer close(next)
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (w *benchWorkload) newRequest(method, url, token string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// request returns the request maker of op.
func (w *benchWorkload) request(op string) bench.NewRequest {
	reader, writer := w.s.Reader, w.s.Writer
	switch op {
	case "decrypted":
		return func(int, int) (*http.Request, error) {
			return w.newRequest(http.MethodGet, w.base+"/"+benchID(rand.IntN(w.n))+"/decrypted", reader, nil)
		}
	case "list-first":
		return func(int, int) (*http.Request, error) {
			return w.newRequest(http.MethodGet, w.base+"?size=100", reader, nil)
		}
	case "list-last":
		last := w.base + "?size=100&after=" + benchID(w.n-101)
		return func(int, int) (*http.Request, error) { return w.newRequest(http.MethodGet, last, reader, nil) }
	case "create":
		return func(worker, i int) (*http.Request, error) {
			w.created.Add(1)
			return w.newRequest(http.MethodPost, w.base, writer, benchBody(fmt.Sprintf("new-%03d-%07d", worker, i), "created"))
		}
	case "update":
		return func(_, i int) (*http.Request, error) {
			id := benchID(rand.IntN(w.n))
			return w.newRequest(http.MethodPut, w.base+"/"+id, writer, benchBody(id, fmt.Sprintf("updated %d", i)))
		}
	}
	return func(int, int) (*http.Request, error) {
		return w.newRequest(http.MethodGet, w.base+"/"+benchID(rand.IntN(w.n)), reader, nil)
	}
}

// getSize is the size of a get answer, the floor's body size.
func (w *benchWorkload) getSize(ctx context.Context) (int, error) {
	req, err := w.newRequest(http.MethodGet, w.base+"/"+benchID(0), w.s.Reader, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return 0, tether.Errorf(tether.EUNAVAILABLE, "benchmark server: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return len(b), err
}

// cliColdStart is the median wall time, in ms, of 20 runs of
// "tether conn get --id ID -o json" against s.
func cliColdStart(s *benchServer, id string) (float64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, tether.Internal("server.bench", err)
	}
	var times []time.Duration
	for range 20 {
		cmd := exec.Command(exe, "conn", "get", "-n", benchNamespace, "--id", id, "-o", "json")
		cmd.Env = []string{"TETHER_URL=" + s.URL, "TETHER_TOKEN=" + s.Reader, "HOME=" + os.TempDir(), "PATH=" + os.Getenv("PATH")}
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, tether.Errorf(tether.EINTERNAL, "tether conn get: %v: %s", err, out)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	return float64((times[9]+times[10])/2) / float64(time.Millisecond), nil
}
