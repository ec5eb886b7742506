package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/sqlite"
)

// stack is a real server (SQLite, keyring, services) behind httptest.
type stack struct {
	t     testing.TB
	srv   *httptest.Server
	token string
	logs  *bytes.Buffer
	dir   string
	api   *thttp.Server
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWithKey(t, "")
}

// newStackWithKey is newStack with a copy of the key file at keyFile, or a
// new key file if keyFile is "".
func newStackWithKey(t *testing.T, keyFile string) *stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tether.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return serveStore(t, st, dir, keyFile)
}

// openKeyring creates a key file at path, or copies the one at from there.
func openKeyring(path, from string) (*seal.Keyring, error) {
	if from == "" {
		return seal.Create(path)
	}
	raw, err := os.ReadFile(from)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, err
	}
	return seal.Load(path)
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(b))
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) message(t *testing.T) string {
	t.Helper()
	var e struct{ Message string }
	r.json(t, &e)
	return e.Message
}

// do sends a request with the admin token; headers are "Key", "Value" pairs.
func (s *stack) do(method, path, body string, headers ...string) response {
	s.t.Helper()
	return s.doAs(s.token, method, path, body, headers...)
}

func (s *stack) doAs(token, method, path, body string, headers ...string) response {
	s.t.Helper()
	return s.doFrom(s.srv.Client(), token, method, path, body, headers...)
}

// fromAddress returns a client whose connections come from ip (a loopback
// address other than 127.0.0.1), so that throttling one address does not
// affect the others.
func fromAddress(ip string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}}
}

// doFrom sends a request with client hc.
func (s *stack) doFrom(hc *http.Client, token, method, path, body string, headers ...string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewBufferString(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}
