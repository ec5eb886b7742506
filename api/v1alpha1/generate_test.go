package v1alpha1_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when the committed deepcopy code or
// CRDs are not what scripts/generate.sh makes of the types today, e.g. a
// field or a marker was changed without regenerating. It runs the script's
// check offline, from the Go module cache, where `scripts/generate.sh
// --fetch` (run by scripts/test.sh) puts controller-gen.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	modcache, err := exec.CommandContext(t.Context(), "go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "generate.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "bash", script, "--check")
	cmd.Env = append(os.Environ(), "GOFLAGS=",
		"GOPROXY=file://"+filepath.ToSlash(filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download")))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/generate.sh --check (offline; if controller-gen is missing from the module cache, "+
			"run scripts/generate.sh --fetch once): %v\n%s", err, out)
	}
}
