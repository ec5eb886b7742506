package controller_test

import (
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tether-ml/tether/client"
)

// tetherServer is a real Tether server, run from the built binary with
// --kubeconfig so that it accepts ServiceAccount tokens. It keeps its
// address and data across a stop and a start.
type tetherServer struct {
	t          testing.TB
	dir, addr  string
	kubeconfig string
	URL        string
	cmd        *exec.Cmd
	done       chan struct{}
	logs       *syncBuffer
}

// startTether starts a Tether server for t, stopped at its end.
func startTether(t testing.TB, kubeconfig string) *tetherServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &tetherServer{t: t, dir: t.TempDir(), addr: addr, kubeconfig: kubeconfig, URL: "http://" + addr}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// start runs the server and waits until it is ready.
func (s *tetherServer) start() {
	s.t.Helper()
	s.logs = &syncBuffer{}
	s.cmd = exec.Command(tetherBin, "server", "--addr", s.addr, "--log-format", "json",
		"--data-dir", filepath.Join(s.dir, "data"), "--kubeconfig", s.kubeconfig,
		// deliveries may exchange credentials at a local fake (ECR)
		"--test-allow-cidr", "127.0.0.1/32")
	s.cmd.Env = []string{"HOME=" + s.dir, "PATH=/usr/bin:/bin"}
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	waitFor(s.t, 30*time.Second, "Tether to be ready", func() (bool, string) {
		select {
		case <-s.done:
			s.t.Fatalf("tether server exited:\n%s", s.logs)
		default:
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// stop stops the server (SIGTERM) and waits for it to exit.
func (s *tetherServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// admin returns a client of the server with its admin token.
func (s *tetherServer) admin() *client.Client {
	s.t.Helper()
	tok, err := client.ReadTokenFile(filepath.Join(s.dir, "data", "admin.token"))
	if err != nil {
		s.t.Fatal(err)
	}
	c, err := client.NewClientFromConfig(client.ClientConfig{URL: s.URL, Token: tok})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond every 100ms until it holds, failing t with cond's
// last word after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: %s", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
