package main_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// sshdFixtures are the parts of scripts/testenv/sshd.sh's fixtures this
// test uses.
type sshdFixtures struct {
	RepoURL            string `json:"repoURL"`
	PrivateKeyFile     string `json:"privateKeyFile"`
	HostPublicKey      string `json:"hostPublicKey"`
	OtherHostPublicKey string `json:"otherHostPublicKey"`
	Readme             string `json:"readme"`
}

func sshd(t *testing.T) sshdFixtures {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_SSHD") == "1" {
		t.Skip("TETHER_TEST_SKIP_SSHD=1")
	}
	path := os.Getenv("TETHER_TEST_SSHD")
	if path == "" {
		t.Fatal("TETHER_TEST_SSHD is not set: run ./scripts/test.sh, which starts an SSH server with " +
			"scripts/testenv/sshd.sh (TETHER_TEST_SKIP_SSHD=1 skips these tests)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f sshdFixtures
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// The whole chain: a git connection created through the API, delivered by
// tether run, used by git over SSH against a real sshd; a connection
// pinning another host key is refused by ssh. Nothing is left behind.
func TestRunGitCloneOverSSH(t *testing.T) {
	f := newRunFixture(t)
	ssh := sshd(t)
	key, err := os.ReadFile(ssh.PrivateKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	for id, hostKey := range map[string]string{"repo": ssh.HostPublicKey, "impostor": ssh.OtherHostPublicKey} {
		f.create(t, map[string]any{"id": id, "spec": map[string]any{"type": "git", "uri": ssh.RepoURL,
			"keySecret": b64(string(key)), "publicKey": b64(hostKey + "\n")}})
	}
	c := f.c.with("GIT_TERMINAL_PROMPT", "0")
	out := c.ok("run", "-c", "repo", "--job", "clone-test", "--", "sh", "-c",
		`git clone --quiet "$1" "$TETHER_RUN_DIR/clone" && cat "$TETHER_RUN_DIR/clone/README"`, "sh", ssh.RepoURL)
	if out != ssh.Readme {
		t.Errorf("README through tether run: %q, want %q", out, ssh.Readme)
	}
	r := c.run("", "run", "-c", "impostor", "--", "git", "clone", "--quiet", ssh.RepoURL, "clone")
	if r.Code != 128 || !strings.Contains(r.Stderr, "Host key verification failed") {
		t.Errorf("clone with another host key pinned: exit %d\n%s", r.Code, r.Stderr)
	}
	f.requireNoFiles(t)
	if usage := f.c.ok("conn", "usage", "--id", "repo"); !strings.Contains(usage, "clone-test") {
		t.Errorf("the reveal for the job is not in the usage:\n%s", usage)
	}
}
