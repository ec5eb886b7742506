package conntype_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// sshConn returns an ssh connection to the test SSH server with its key
// and the given pinned host key.
func sshConn(t *testing.T, f sshdFixtures, hostKey string) *tether.Connection {
	return &tether.Connection{Kind: tether.Kind, ID: "host", Spec: tether.ConnectionSpec{
		Type: "ssh", URI: fmt.Sprintf("ssh://%s:%d", f.Host, f.Port), Username: f.User,
		KeySecret: tether.Secret(b64(readFile(t, f.PrivateKeyFile))), PublicKey: b64(hostKey + "\n"),
	}}
}

// runSSH runs "$SSH_COMMAND $SSH_HOST <command>" (a shell command, as
// GIT_SSH_COMMAND is) in a shell whose
// environment is PATH, an empty HOME and the rendering's variables. The
// test server's user may run only git commands: git-upload-pack of its
// repository advertises the refs.
func runSSH(t *testing.T, c *tether.Connection, command string) (string, error) {
	t.Helper()
	r, _ := materialise(t, c)
	cmd := exec.CommandContext(testContext(t), "sh", "-c", `eval "$SSH_COMMAND \"\$SSH_HOST\" \"\$REMOTE\"" </dev/null`)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "REMOTE=" + command}
	for k, v := range r.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSSHTools runs a command on the test SSH server with ssh, configured
// only by the rendering (ssh_config with the user, port, key and pinned
// host key); with another server's host key pinned, ssh refuses.
func TestSSHTools(t *testing.T) {
	var f sshdFixtures
	sshdService.fixtures(t, &f)
	repoPath := strings.TrimPrefix(f.RepoURL, fmt.Sprintf("ssh://%s@%s:%d", f.User, f.Host, f.Port))
	remote := "git-upload-pack " + conntype.ShellQuote(repoPath)
	// git-upload-pack advertises the refs, then exits with status 128 on
	// the closed stdin: its output, not its status, proves the login.
	out, err := runSSH(t, sshConn(t, f, f.HostPublicKey), remote)
	if !strings.Contains(out, "refs/heads/main") {
		t.Fatalf("ssh %s: %v, want the refs of the repository:\n%q", remote, err, out)
	}
	out, err = runSSH(t, sshConn(t, f, f.OtherHostPublicKey), remote)
	if err == nil || !strings.Contains(out, "Host key verification failed") {
		t.Errorf("ssh with another host key pinned: %v, want a host key verification failure:\n%s", err, out)
	}
	wrong := sshConn(t, f, f.HostPublicKey)
	wrong.Spec.KeySecret = tether.Secret(b64(newSSHKeys(t).private))
	out, err = runSSH(t, wrong, remote)
	if err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("ssh with another key: %v, want a refusal:\n%s", err, out)
	}
}
