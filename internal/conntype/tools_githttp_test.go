package conntype_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// githttpFixtures describe the test git server over HTTP and its
// repository (scripts/testenv/githttp.sh).
type githttpFixtures struct {
	URL      string `json:"url"`
	User     string `json:"user"`
	Password string `json:"password"`
	Readme   string `json:"readme"`
}

// gitHTTPConn returns a git connection over HTTP to the test repository
// with the given token, as the API takes it.
func gitHTTPConn(f githttpFixtures, token string) *tether.Connection {
	return &tether.Connection{Kind: tether.Kind, ID: "repo", Spec: tether.ConnectionSpec{
		Type: "git", URI: f.URL, Username: f.User, Password: tether.Secret(b64(token)), Reference: "main",
	}}
}

// cloneHTTPWithRendering runs git clone of c's uri into dest with an
// environment of only PATH, an empty HOME and the rendered variables
// (GIT_TRACE on, to show what git runs). It returns git's output.
func cloneHTTPWithRendering(t *testing.T, c *tether.Connection, dest string) (string, error) {
	t.Helper()
	r, _ := materialise(t, c)
	cmd := exec.CommandContext(testContext(t), "git", "clone", c.Spec.URI, dest)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GIT_TRACE=1"}
	for k, v := range r.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestGitHTTPSTools clones the test repository over HTTP with basic auth,
// git's only credential being the rendering: no prompt, no token in the
// URL; git's trace of what it runs never shows the token.
func TestGitHTTPSTools(t *testing.T) {
	var f githttpFixtures
	githttpService.fixtures(t, &f)
	dest := filepath.Join(t.TempDir(), "repo")
	out, err := cloneHTTPWithRendering(t, gitHTTPConn(f, f.Password), dest)
	if err != nil {
		t.Fatalf("git clone %s: %v\n%s", f.URL, err, out)
	}
	if got := readFile(t, filepath.Join(dest, "README")); got != f.Readme {
		t.Errorf("README is %q, want %q", got, f.Readme)
	}
	if strings.Contains(out, f.Password) {
		t.Errorf("git's trace shows the token:\n%s", out)
	}
	if !strings.Contains(out, "git-credential") {
		t.Errorf("git's trace shows no run of the credential helper:\n%s", out)
	}
	remote, err := exec.Command("git", "-C", dest, "remote", "get-url", "origin").Output()
	if err != nil || strings.Contains(string(remote), f.Password) || strings.TrimSpace(string(remote)) != f.URL {
		t.Errorf("the clone's origin is %q (%v), want %s without a credential", remote, err, f.URL)
	}
}

// TestGitHTTPSToolsWrongToken checks that the server refuses a wrong token
// and that git fails at once, without prompting.
func TestGitHTTPSToolsWrongToken(t *testing.T) {
	var f githttpFixtures
	githttpService.fixtures(t, &f)
	dest := filepath.Join(t.TempDir(), "repo")
	out, err := cloneHTTPWithRendering(t, gitHTTPConn(f, f.Password+"x"), dest)
	if err == nil {
		t.Fatalf("git clone %s succeeded with a wrong token", f.URL)
	}
	if !strings.Contains(out, "Authentication failed") {
		t.Errorf("git clone failed without an authentication failure:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dest, "README")); err == nil {
		t.Errorf("git clone wrote the README despite the failure")
	}
}

// TestGitHTTPSProbe runs the smart-HTTP ls-remote of the test repository
// with the token, a wrong one, a missing repository, and through an
// egress policy that permits, or refuses, the server's address.
func TestGitHTTPSProbe(t *testing.T) {
	var f githttpFixtures
	githttpService.fixtures(t, &f)
	missing := gitHTTPConn(f, f.Password)
	missing.Spec.URI = strings.TrimSuffix(f.URL, "repo.git") + "absent.git"
	closed := gitHTTPConn(f, f.Password)
	closed.Spec.URI = "http://" + closedPort(t) + "/git/repo.git"
	runProbeCases(t, []probeCase{
		{name: "working", conn: gitHTTPConn(f, f.Password), msg: " refs at " + f.URL},
		{name: "through the egress policy", conn: gitHTTPConn(f, f.Password), env: egressProbeEnv(loopback),
			msg: " refs at " + f.URL},
		{name: "wrong token", conn: gitHTTPConn(f, "wrong-token"), code: tether.EUNAUTHORIZED, msg: "refused the credential (HTTP 401)"},
		{name: "missing repository", conn: missing, code: tether.ENOTFOUND, msg: "no git repository at"},
		{name: "unreachable port", conn: closed, code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "refused address", conn: gitHTTPConn(f, f.Password), env: egressProbeEnv("10.0.0.0/8"),
			code: tether.EFORBIDDEN},
	}, f.Password, b64(f.Password))
}
