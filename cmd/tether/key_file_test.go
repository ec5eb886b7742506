package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerRefusesMissingOrWrongKey stops a server holding a secret, then
// starts it (a) without its key file, (b) with another server's key file —
// both refused, with a message naming the key file, no key created — and
// (c) with the right key through --key-file and TETHER_KEY_FILE, which
// opens the original secret.
func TestServerRefusesMissingOrWrongKey(t *testing.T) {
	t.Parallel()
	opts := serverOptions{Dir: t.TempDir()}
	s := startServer(t, opts)
	c := newCLI(t, s)
	git := writeFile(t, c.dir, "git.yaml", odahuGitYAML)
	sshKey := newSSHKey(t)
	c.ok("conn", "create", "-f", git, "--set-secret", "keySecret=@"+writeFile(t, c.dir, "id", sshKey))
	s.stop()

	keyFile := filepath.Join(s.DataDir, "tether.key")
	moved := filepath.Join(t.TempDir(), "tether.key.moved")
	if err := os.Rename(keyFile, moved); err != nil {
		t.Fatal(err)
	}

	t.Run("missing key file", func(t *testing.T) {
		f := startServerExpectingFailure(t, opts)
		if f.Code == 0 || !strings.Contains(f.Stderr, "key file "+keyFile+" does not exist") ||
			!strings.Contains(f.Stderr, "refusing to start") {
			t.Errorf("exit %d, stderr:\n%s\nwant non-zero and a message naming %s", f.Code, f.Stderr, keyFile)
		}
		if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
			t.Errorf("the refused start created a key file (stat: %v)", err)
		}
	})

	t.Run("another data directory's key file", func(t *testing.T) {
		other := startServer(t, serverOptions{})
		other.stop()
		otherKey, err := os.ReadFile(filepath.Join(other.DataDir, "tether.key"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, otherKey, 0o600); err != nil {
			t.Fatal(err)
		}
		f := startServerExpectingFailure(t, opts)
		if f.Code == 0 || !strings.Contains(f.Stderr, "key file "+keyFile+" cannot open this data directory's secrets") ||
			!strings.Contains(f.Stderr, "refusing to start") {
			t.Errorf("exit %d, stderr:\n%s\nwant non-zero and a message naming %s", f.Code, f.Stderr, keyFile)
		}
		if after, _ := os.ReadFile(keyFile); string(after) != string(otherKey) {
			t.Errorf("the refused start changed the key file")
		}
	})

	// The wrong key file stays in the data directory: the flag and the
	// variable must take precedence over it.
	for _, o := range []serverOptions{
		{Dir: opts.Dir, Args: []string{"--key-file", moved}},
		{Dir: opts.Dir, Env: map[string]string{"TETHER_KEY_FILE": moved}},
	} {
		s := startServer(t, o)
		got := newCLI(t, s).getOne("ml-repository", true)
		if got.Spec["keySecret"] != b64(sshKey) {
			t.Errorf("with the right key (%v %v): keySecret %v, want the original", o.Args, o.Env, got.Spec["keySecret"])
		}
		s.stop()
	}
}
