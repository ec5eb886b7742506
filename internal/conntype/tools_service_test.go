package conntype_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// The real-tool tests prove that a rendering works with the tool it is
// for: the AWS SDK against MinIO, go-containerregistry against a Docker
// registry, git over SSH against sshd. Each tool is configured from the
// rendering only. The services are started by scripts/testenv/ and
// described by a JSON fixtures file whose path is in an environment
// variable.

// testService is a real service the tests need.
type testService struct {
	env    string // variable holding the fixtures file's path
	skip   string // variable that, set to 1, skips the service's tests
	script string // the script that starts it
	what   string // what it is, for messages
}

var (
	minioService    = testService{"TETHER_TEST_MINIO", "TETHER_TEST_SKIP_MINIO", "minio.sh", "MinIO"}
	registryService = testService{"TETHER_TEST_REGISTRY", "TETHER_TEST_SKIP_REGISTRY", "registry.sh", "a Docker registry"}
	sshdService     = testService{"TETHER_TEST_SSHD", "TETHER_TEST_SKIP_SSHD", "sshd.sh", "an SSH server with a git repository"}
	githttpService  = testService{"TETHER_TEST_GITHTTP", "TETHER_TEST_SKIP_GITHTTP", "githttp.sh", "a git server over HTTP with basic auth"}
)

// fixtures decodes the service's fixtures file into v, or skips t if the
// service's tests are to be skipped. A missing service fails the test: a
// suite skipped in CI would hide a missing install.
func (s testService) fixtures(t *testing.T, v any) {
	t.Helper()
	if os.Getenv(s.skip) == "1" {
		t.Skip(s.skip + "=1")
	}
	path := os.Getenv(s.env)
	if path == "" {
		t.Fatalf("%s is not set: run ./scripts/test.sh, which starts %s, or start it with "+
			"`./scripts/testenv/%s start` and export the fixtures path it prints (%s=1 skips these tests)",
			s.env, s.what, s.script, s.skip)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", s.env, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %s: %v", s.env, path, err)
	}
}

// materialise validates c, renders it into a fresh directory and writes
// its files there as a job gets them (files 0600, directories 0700). It
// returns the rendering and the directory.
func materialise(t *testing.T, c *tether.Connection) (*tether.Rendering, string) {
	t.Helper()
	if err := conntype.New().Validate(c); err != nil {
		t.Fatal(err)
	}
	return renderTo(t, c)
}

// renderTo renders c, which need not be valid as stored (a delivery), and
// writes its files into a new directory.
func renderTo(t *testing.T, c *tether.Connection) (*tether.Rendering, string) {
	t.Helper()
	dir := t.TempDir()
	r, err := conntype.New().Type(c.Spec.Type).Render(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range r.Files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	checkPaths(t, r, dir)
	return r, dir
}

// checkPaths checks the contract of path-valued variables: each one is the
// directory itself or the directory joined with a key of Files.
func checkPaths(t *testing.T, r *tether.Rendering, dir string) {
	t.Helper()
	for k, v := range r.Env {
		if !strings.HasPrefix(v, dir) || v == dir {
			continue
		}
		name, _ := filepath.Rel(dir, v)
		if _, ok := r.Files[name]; !ok || filepath.Join(dir, name) != v {
			t.Errorf("%s=%s is a path but names none of the rendered files", k, v)
		}
	}
}

// isolate empties the environment of everything a tool could take its
// configuration from besides the rendering: the variables with one of the
// given prefixes are unset, and HOME is an empty directory. The previous
// environment is restored when t ends.
func isolate(t *testing.T, prefixes ...string) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				t.Setenv(k, "") // restores the value when t ends
				os.Unsetenv(k)
			}
		}
	}
	t.Setenv("HOME", t.TempDir())
}

// readFile returns the content of a file named by a fixtures file.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
