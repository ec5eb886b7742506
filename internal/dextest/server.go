package dextest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// scriptTimeout bounds one run of dex.sh: start, restart, stop. The binary
// is already built when the shared server runs.
const scriptTimeout = 3 * time.Minute

// Server is a Dex server of a test's own, with the same fixtures as the
// shared one but its own port, state file and signing keys.
type Server struct {
	*Fixtures
	env []string
}

// Start starts a private server with scripts/testenv/dex.sh, stopped when
// t ends. Tests that restart a server use one of their own, so as not to
// disturb the others. It skips or fails t as Load does.
func Start(t testing.TB) *Server {
	t.Helper()
	Load(t)
	state := filepath.Join(t.TempDir(), "dex.state")
	s := &Server{env: append(os.Environ(), "TETHER_DEX_STATE="+state, "TETHER_DEX_PORT=5600")}
	t.Cleanup(func() { s.script(t, "stop") })
	issuer := s.script(t, "start")
	f, err := readFixtures(s.script(t, "fixtures"))
	if err != nil {
		t.Fatalf("fixtures of the private Dex: %v", err)
	}
	if f.Issuer != issuer {
		t.Fatalf("private Dex: issuer %s, fixtures for %s", issuer, f.Issuer)
	}
	s.Fixtures = f
	return s
}

// Restart stops the server and starts it again on the same port: its
// in-memory storage gives it new signing keys, as a key rollover would.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if issuer := s.script(t, "restart"); issuer != s.Issuer {
		t.Fatalf("restarted Dex serves %s, want %s", issuer, s.Issuer)
	}
}

// script runs dex.sh with the server's state file and returns its output.
func (s *Server) script(t testing.TB, verb string) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(self), "..", "..", "scripts", "testenv", "dex.sh")
	cmd := exec.Command("bash", path, verb)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("dex.sh %s: %v", verb, err)
	}
	timer := time.AfterFunc(scriptTimeout, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("dex.sh %s: %v\n%s", verb, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}
