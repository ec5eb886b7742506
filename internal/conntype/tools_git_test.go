package conntype_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// sshdFixtures describe the test SSH server and its repository
// (scripts/testenv/sshd.sh).
type sshdFixtures struct {
	Host               string `json:"host"`
	Port               int    `json:"port"`
	User               string `json:"user"`
	RepoURL            string `json:"repoURL"`
	PrivateKeyFile     string `json:"privateKeyFile"`
	HostPublicKey      string `json:"hostPublicKey"`
	OtherHostPublicKey string `json:"otherHostPublicKey"`
	Readme             string `json:"readme"`
}

// TestGitTools clones the test repository with git, whose only SSH
// configuration is the rendered GIT_SSH_COMMAND: the key, and the pinned
// host key with strict checking.
func TestGitTools(t *testing.T) {
	var f sshdFixtures
	sshdService.fixtures(t, &f)
	dest := filepath.Join(t.TempDir(), "repo")
	if out, err := cloneWithRendering(t, gitConn(t, f, f.HostPublicKey), dest); err != nil {
		t.Fatalf("git clone %s: %v\n%s", f.RepoURL, err, out)
	}
	if got := readFile(t, filepath.Join(dest, "README")); got != f.Readme {
		t.Errorf("README is %q, want %q", got, f.Readme)
	}
}

// TestGitToolsWrongHostKey checks that a pinned host key is enforced: with
// another server's key pinned, ssh refuses to connect.
func TestGitToolsWrongHostKey(t *testing.T) {
	var f sshdFixtures
	sshdService.fixtures(t, &f)
	dest := filepath.Join(t.TempDir(), "repo")
	out, err := cloneWithRendering(t, gitConn(t, f, f.OtherHostPublicKey), dest)
	if err == nil {
		t.Fatalf("git clone %s succeeded with another host key pinned", f.RepoURL)
	}
	if !strings.Contains(out, "Host key verification failed") {
		t.Errorf("git clone failed without a host key verification failure:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dest, "README")); err == nil {
		t.Errorf("git clone wrote the README despite the failure")
	}
}

// gitConn returns a git connection to the test repository with the given
// pinned host key, as the API takes it (base64).
func gitConn(t *testing.T, f sshdFixtures, hostKey string) *tether.Connection {
	return &tether.Connection{Kind: tether.Kind, ID: "repo", Spec: tether.ConnectionSpec{
		Type: "git", URI: f.RepoURL,
		KeySecret: tether.Secret(b64(readFile(t, f.PrivateKeyFile))), PublicKey: b64(hostKey + "\n"),
	}}
}

// cloneWithRendering renders c and runs git clone of its uri into dest
// with an environment of only PATH, an empty HOME, the rendered
// GIT_SSH_COMMAND, and no prompting. It returns git's output.
func cloneWithRendering(t *testing.T, c *tether.Connection, dest string) (string, error) {
	t.Helper()
	r, _ := materialise(t, c)
	cmd := exec.CommandContext(testContext(t), "git", "clone", "--quiet", c.Spec.URI, dest)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"GIT_SSH_COMMAND=" + r.Env["GIT_SSH_COMMAND"],
		"GIT_TERMINAL_PROMPT=0",
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
