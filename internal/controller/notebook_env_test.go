package controller

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// notebookServer is a real "tether server" accepting ServiceAccount tokens
// by TokenReview against the test API server.
type notebookServer struct {
	bin, url, adminToken string
}

// notebookTether builds the tether binary and runs "tether server
// --kubeconfig" on a free loopback port until the end of the test.
func notebookTether(t *testing.T) *notebookServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tether")
	build := exec.Command("go", "build", "-o", bin, "github.com/tether-ml/tether/cmd/tether")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build tether: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "server", "--addr", "127.0.0.1:0", "--log-format", "json",
		"--data-dir", data, "--kubeconfig", kubetest.Kubeconfig(t))
	cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &notebookServer{bin: bin, url: listeningURL(t, stderr), adminToken: filepath.Join(data, "admin.token")}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tether server not ready: %v", err)
		}
	}
}

// listeningURL reads the server's JSON log until its "listening" record,
// and returns its URL; the rest of the log is drained.
func listeningURL(t *testing.T, log io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(log)
		for sc.Scan() {
			var rec struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				found <- rec.URL
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatal("tether server exited before listening")
		}
		return u
	case <-time.After(60 * time.Second):
		t.Fatal("tether server did not log \"listening\"")
	}
	return ""
}

// cli runs the tether CLI with env (and HOME, PATH) and stdin, and returns
// its output and whether it succeeded.
func (s *notebookServer) cli(t *testing.T, env map[string]string, stdin string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("run tether %v: %v", args, err)
	}
	return out.String(), err == nil
}

// admin runs the CLI as the bootstrap admin, failing t unless it succeeds.
func (s *notebookServer) admin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, ok := s.cli(t, map[string]string{"TETHER_URL": s.url, "TETHER_TOKEN_PATH": s.adminToken}, stdin, args...)
	if !ok {
		t.Fatalf("tether %v: %s", args, out)
	}
	return out
}

// writeMounted writes data to path below root, as a volume mounted at the
// path would hold it, and returns the file's path on this machine.
func writeMounted(t *testing.T, root, path, data string) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
