package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logBuffer collects a process's stderr; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// logRecord is one JSON log line of the server.
type logRecord map[string]any

// records parses every complete line written so far as a JSON log record;
// a line that is not a JSON object fails t (the server runs with
// --log-format json, so every line must be one).
func (l *logBuffer) records(t *testing.T) []logRecord {
	t.Helper()
	text := l.String()
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	} else {
		return nil
	}
	var out []logRecord
	for _, line := range strings.Split(text, "\n") {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("server log line is not a JSON object: %q; log:\n%s", line, l)
		}
		out = append(out, r)
	}
	return out
}

// waitRecord polls the log until a record satisfies match, and returns it;
// it fails t after timeout.
func (l *logBuffer) waitRecord(t *testing.T, timeout time.Duration, what string, match func(logRecord) bool) logRecord {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, r := range l.records(t) {
			if match(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log record %s within %v; log:\n%s", what, timeout, l.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serverOptions say how to start "tether server". The zero value starts a
// server in a fresh temporary directory with --data-dir DIR/tether-data.
type serverOptions struct {
	Dir            string            // working directory; default a new temporary directory
	DataDir        string            // --data-dir; default Dir/tether-data
	OmitDataDir    bool              // pass no --data-dir: the server uses ./tether-data
	Args           []string          // further flags
	Env            map[string]string // further environment variables
	TokenFile      string            // where the admin token is; default DataDir/admin.token
	HTTP           *http.Client      // client for raw requests; default a plain one
	ExpectedScheme string            // "https" with --tls-*; default "http"
}

// server is a running "tether server" subprocess.
type server struct {
	t         *testing.T
	URL       string
	DataDir   string
	Dir       string
	TokenFile string
	HTTP      *http.Client
	Logs      *logBuffer
	stdout    *logBuffer
	cmd       *exec.Cmd
	scheme    string        // the scheme the "listening" URL must have
	done      chan struct{} // closed when the process has exited
	waitErr   error
}

// fill completes o with its defaults.
func (o *serverOptions) fill(t *testing.T) {
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(o.Dir, "tether-data")
	}
	if o.TokenFile == "" {
		o.TokenFile = filepath.Join(o.DataDir, "admin.token")
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if o.ExpectedScheme == "" {
		o.ExpectedScheme = "http"
	}
}

// serverCommand returns the command that runs the server of o (filled),
// listening on a free loopback port and logging JSON to stderr.
func serverCommand(o serverOptions, stdout, stderr io.Writer) *exec.Cmd {
	args := []string{"server", "--addr", "127.0.0.1:0", "--log-format", "json"}
	if !o.OmitDataDir {
		args = append(args, "--data-dir", o.DataDir)
	}
	cmd := exec.Command(tetherBin, append(args, o.Args...)...)
	cmd.Dir = o.Dir
	cmd.Env = processEnv(o.Dir, o.Env)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd
}

// startServer starts a server, learns its address from the "listening" log
// record, and waits until /readyz answers 200. The server is killed at the
// end of the test if the test did not stop it.
func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	o.fill(t)
	s := newServer(t, o)
	if err := s.launch(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	s.awaitUp()
	return s
}

// newServer returns the server of o (filled), not started: launch starts
// it, awaitUp waits for it. The two halves let a test start several
// servers at the same moment (launch does not fail t, so it may run in
// any goroutine).
func newServer(t *testing.T, o serverOptions) *server {
	s := &server{t: t, DataDir: o.DataDir, Dir: o.Dir, TokenFile: o.TokenFile, HTTP: o.HTTP,
		Logs: &logBuffer{}, stdout: &logBuffer{}, done: make(chan struct{}), scheme: o.ExpectedScheme}
	s.cmd = serverCommand(o, s.stdout, s.Logs)
	return s
}

// launch starts the process, which is killed at the end of the test if
// the test did not stop it. It returns the error of exec.Cmd.Start.
func (s *server) launch() error {
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	s.t.Cleanup(s.kill)
	return nil
}

// awaitUp learns the address of a launched server from its "listening"
// log record and waits until /readyz answers 200, failing t otherwise.
func (s *server) awaitUp() {
	s.t.Helper()
	s.URL = s.waitListening(s.scheme)
	s.waitReady()
}

// waitListening returns the URL of the "listening" log record.
func (s *server) waitListening(scheme string) string {
	t := s.t
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done: // its last words may be plain text: say why, not that
			t.Fatalf("server exited before listening (%v); stderr:\n%s", s.waitErr, s.Logs)
		default:
		}
		for _, r := range s.Logs.records(t) {
			if r["msg"] == "listening" {
				url, _ := r["url"].(string)
				if !strings.HasPrefix(url, scheme+"://127.0.0.1:") {
					t.Fatalf("listening url = %q, want %s://127.0.0.1:PORT", url, scheme)
				}
				return url
			}
		}
		select {
		case <-s.done:
			t.Fatalf("server exited before listening (%v); stderr:\n%s", s.waitErr, s.Logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("server did not log \"listening\" within %v; stderr:\n%s", startTimeout, s.Logs)
	return ""
}

// waitReady polls GET /readyz until it answers 200.
func (s *server) waitReady() {
	t := s.t
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := s.HTTP.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready within %v (last: %v); stderr:\n%s", startTimeout, err, s.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and requires a graceful shutdown (see stopWith).
func (s *server) stop() {
	s.t.Helper()
	s.stopWith(syscall.SIGTERM)
}

// stopWith sends sig and requires a graceful shutdown: exit status 0, the
// "shutting down" and "stopped" log records, and nothing on stdout.
func (s *server) stopWith(sig os.Signal) {
	t := s.t
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%v: %v", sig, err)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		t.Fatalf("server did not exit within %v of %v; stderr:\n%s", stopTimeout, sig, s.Logs)
	}
	if s.waitErr != nil {
		t.Fatalf("server exited with %v after %v, want status 0; stderr:\n%s", s.waitErr, sig, s.Logs)
	}
	var msgs []string
	for _, r := range s.Logs.records(t) {
		if m, _ := r["msg"].(string); m == "shutting down" || m == "stopped" {
			msgs = append(msgs, m)
		}
	}
	if strings.Join(msgs, ",") != "shutting down,stopped" {
		t.Errorf("shutdown log records = %q, want [shutting down stopped]; stderr:\n%s", msgs, s.Logs)
	}
	if out := s.stdout.String(); out != "" {
		t.Errorf("server wrote to stdout: %q", out)
	}
}

// kill ends the process if it still runs (test cleanup).
func (s *server) kill() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// failedStart is the outcome of a server that was expected not to start.
type failedStart struct {
	Code   int
	Stderr string
}

// startServerExpectingFailure runs a server that must refuse to start: it
// fails t if the server logs "listening" or does not exit in time.
func startServerExpectingFailure(t *testing.T, o serverOptions) failedStart {
	t.Helper()
	o.fill(t)
	stderr, stdout := &logBuffer{}, &logBuffer{}
	cmd := serverCommand(o, stdout, stderr)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("server did not exit within %v; stderr:\n%s", startTimeout, stderr)
	}
	if strings.Contains(stderr.String(), `"msg":"listening"`) {
		t.Fatalf("server started listening, want a refusal; stderr:\n%s", stderr)
	}
	return failedStart{Code: exitCode(t, err), Stderr: stderr.String()}
}

// token returns the admin token from the server's token file.
func (s *server) token() string {
	s.t.Helper()
	raw, err := os.ReadFile(s.TokenFile)
	if err != nil {
		s.t.Fatalf("read admin token: %v", err)
	}
	return strings.TrimSpace(string(raw))
}

// bearer returns the headers that authenticate with token (none if empty).
func bearer(token string) http.Header {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return h
}

// apiWith sends a request with the given bearer token (none if empty) and
// body (see send), and returns the status, the response headers and the
// body. A transport error fails t.
func (s *server) apiWith(token, method, path string, body any) (int, http.Header, []byte) {
	t := s.t
	t.Helper()
	status, h, b, err := s.send(bearer(token), method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, h, b
}

// api is apiWith with the admin token.
func (s *server) api(method, path string, body any) (int, []byte) {
	s.t.Helper()
	status, _, b := s.apiWith(s.token(), method, path, body)
	return status, b
}

// send sends a request with headers h and a body (nothing if nil, as is if
// a string, JSON-encoded otherwise) and returns the status, the response
// headers and the body. It reports transport errors instead of failing, so
// it can run in goroutines other than the test's.
func (s *server) send(h http.Header, method, path string, body any) (int, http.Header, []byte, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, nil, nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out, err
}
