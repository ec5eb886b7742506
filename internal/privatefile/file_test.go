package privatefile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/privatefile"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path string
		code, msg  string
	}{
		{"owner only", write("ok", 0o600, "s3cret"), "", ""},
		{"readable by others", write("loose", 0o644, "s3cret"), tether.EINVALID, "is readable by other users (mode 0644); chmod 600 it"},
		{"writable by the group", write("gw", 0o620, "s3cret"), tether.EINVALID, "is writable by other users"},
		{"too large", write("big", 0o600, strings.Repeat("x", 65)), tether.EINVALID, "is larger than 64 bytes"},
		{"missing", filepath.Join(dir, "none"), tether.ENOTFOUND, "does not exist"},
		{"a directory", dir, tether.EINVALID, "is not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := privatefile.Read("test", "token file", tt.path, 64)
			if tt.code == "" {
				if err != nil || string(data) != "s3cret" {
					t.Fatalf("Read = %q, %v", data, err)
				}
				return
			}
			msg := tether.ErrorMessage(err)
			if tether.ErrorCode(err) != tt.code || !strings.Contains(msg, tt.msg) || !strings.Contains(msg, "token file") {
				t.Errorf("Read: %s %q; want %s containing %q", tether.ErrorCode(err), msg, tt.code, tt.msg)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("the message quotes the file: %q", msg)
			}
		})
	}
}
