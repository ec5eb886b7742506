package manifest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether/internal/manifest"
)

// TestFiles checks how the names given to -f expand: files stay, a
// directory gives its manifest files in name order, and nothing is dropped.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.yaml", "a.json", "c.YML", "notes.txt", "sub/d.yaml", "empty/README"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "b.yaml"), filepath.Join(dir, "sub", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	in := func(names ...string) []string {
		for i, n := range names {
			if n != "-" {
				names[i] = filepath.Join(dir, n)
			}
		}
		return names
	}
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"two files", in("b.yaml", "a.json"), in("b.yaml", "a.json"), ""},
		{"directory", in("."), in("a.json", "b.yaml", "c.YML"), ""},
		{"directory and file", in("sub", "a.json"), in("sub/d.yaml", "sub/link.yaml", "a.json"), ""},
		{"stdin and a file", in("-", "a.json"), in("-", "a.json"), ""},
		{"stdin twice", in("-", "-"), nil, "-f - (stdin) can be given once"},
		{"file twice", in("a.json", "."), nil, "a.json is given twice"},
		{"empty directory", in("empty"), nil, "holds no .yaml, .yml or .json file"},
		{"missing", in("nope.yaml"), nil, "nope.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := manifest.Files(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Files(%v) = %v, %v; want error %q", tt.args, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Files(%v) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}
