package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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
	key := writeFile(t, s.Dir, "deploy-key", newSSHKey(t))
	if out := local.ok("conn", "create", "-f", file, "--set-secret", "keySecret=@"+key); out != "connection \"ml-repository\" created\n" {
		t.Errorf("create printed %q", out)
	}
	if out := local.ok("conn", "get", "-o", "jsonpath={[*].id}"); out != "ml-repository\n" {
		t.Errorf("get printed %q", out)
	}
	if out := local.ok("conn", "get", "ml-repository", "-o", "jsonpath={[*].spec.reference}"); out != "master\n" {
		t.Errorf("get ml-repository printed %q", out)
	}
	// Elsewhere, with no token anywhere, the CLI says how to give one.
	sub := filepath.Join(s.Dir, "elsewhere")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	wantError(t, local.in(sub).run("", "conn", "get"), 6, "no token")
	s.stopWith(os.Interrupt) // Ctrl-C shuts down as gracefully as SIGTERM
}

// TestReadmeSetUp checks the README's set-up and walkthrough: the set-up is
// exactly two commands (the server on its embedded default, then the test
// script) and warns about the first build's time; the walkthrough puts
// tether on PATH before it uses it and runs its server, whose directory
// receives the key, the admin token and the walkthrough's files, outside
// the clone.
func TestReadmeSetUp(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	setUp := section(t, string(readme), "## Set-up")
	if got := commandLines(t, setUp); !slices.Equal(got, []string{"go run ./cmd/tether server", "./scripts/test.sh"}) {
		t.Errorf("the set-up's commands are %q, want the server and the test script", got)
	}
	if !strings.Contains(setUp, "first `go run` or `go install`") || !strings.Contains(setUp, "several minutes") {
		t.Errorf("the set-up does not warn about the first build's time")
	}
	walk := section(t, string(readme), "## Five-minute walkthrough")
	steps := strings.Join(commandLines(t, walk), "\n")
	install := strings.Index(steps, "go install ./cmd/tether")
	path := strings.Index(steps, `export PATH="$(go env GOPATH)/bin:$PATH"`)
	cd := regexp.MustCompile(`(?m)(^|&& )cd ~/\S+`).FindStringIndex(steps)
	server := strings.Index(steps, "tether server")
	switch {
	case install < 0 || path < 0 || install > path:
		t.Errorf("the walkthrough does not put tether on PATH first:\n%s", steps)
	case cd == nil || server < 0 || cd[0] > server || server < path:
		t.Errorf("the walkthrough does not start tether server in a directory outside the clone:\n%s", steps)
	}
	if !strings.Contains(walk, "cd ~/tether-walkthrough") || !strings.Contains(walk, "ssh-keygen -t ed25519 -N '' -f deploy-key") {
		t.Errorf("the walkthrough does not run in the server's directory outside the clone")
	}
	for _, f := range []string{"tether-data", "deploy-key", "odahu.yaml", "git.yaml"} {
		if _, err := os.Stat(filepath.Join("..", "..", f)); err == nil {
			t.Errorf("%s is in the clone", f)
		}
	}
}

// commandLines returns the commands of the first sh block of a README
// section, without their comments.
func commandLines(t *testing.T, sec string) []string {
	t.Helper()
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(sec)
	if block == nil {
		t.Fatal("the section has no sh block")
	}
	var out []string
	for _, line := range strings.Split(block[1], "\n") {
		line, _, _ = strings.Cut(line, " #")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// TestUsageWindowDocumented checks that the README and the CLI's help give
// the usage window the server applies (30 days).
func TestUsageWindowDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(readme), "looks back a week") || !strings.Contains(string(readme), "default window: 30 days") {
		t.Errorf("README does not give conn usage's default window as 30 days")
	}
	if help := newCLI(t, nil).ok("conn", "usage", "--help"); !strings.Contains(help, "30 days") {
		t.Errorf("conn usage --help does not give the default window:\n%s", help)
	}
}

// section returns the README section that starts with heading.
func section(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	rest := readme[i+len(heading)+2:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
