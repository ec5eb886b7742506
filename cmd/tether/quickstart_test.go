package main_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLocalQuickStart runs the server with no --data-dir (so ./tether-data)
// and the CLI next to it with no token configured: the CLI finds
// ./tether-data/admin.token by itself.
func TestLocalQuickStart(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{OmitDataDir: true})
	for _, name := range []string{"tether.key", "admin.token", "tether.db"} {
		if _, err := os.Stat(filepath.Join(s.Dir, "tether-data", name)); err != nil {
			t.Errorf("default data directory: %v", err)
		}
	}
	local := newCLI(t, nil).with("TETHER_URL", s.URL).in(s.Dir)
	file := writeFile(t, s.Dir, "git.yaml", odahuGitYAML)
	key := writeFile(t, s.Dir, "id_ed25519", newSSHKey(t))
	if out := local.ok("conn", "create", "-f", file, "--set-secret", "keySecret=@"+key); out != "connection \"ml-repository\" created\n" {
		t.Errorf("create printed %q", out)
	}
	if out := local.ok("conn", "get", "-o", "jsonpath={[*].id}"); out != "ml-repository\n" {
		t.Errorf("get printed %q", out)
	}
	// Elsewhere, with no token anywhere, the CLI says how to give one.
	sub := filepath.Join(s.Dir, "elsewhere")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	wantError(t, local.in(sub).run("", "conn", "get"), 6, "no token")
	s.stopWith(os.Interrupt) // Ctrl-C shuts down as gracefully as SIGTERM
}
