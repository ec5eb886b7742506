package delivery_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tether-ml/tether/delivery"
)

func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	err := delivery.Write(dir, map[string][]byte{"a/credentials": []byte("x"), "docker/certs.d/h:5000/ca.crt": []byte("y")})
	if err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{
		"a": 0o700 | os.ModeDir, "a/credentials": 0o600,
		"docker/certs.d/h:5000": 0o700 | os.ModeDir, "docker/certs.d/h:5000/ca.crt": 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), mode)
		}
	}
}

func TestWriteRefusesEscapesAndOverwrites(t *testing.T) {
	dir := t.TempDir()
	if err := delivery.Write(dir, map[string][]byte{"../outside": []byte("x")}); err == nil {
		t.Error("a path leaving the directory was written")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "outside")); err == nil {
		t.Error("file written outside the directory")
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := delivery.Write(dir, map[string][]byte{"f": []byte("new")}); err == nil {
		t.Error("an existing file was overwritten")
	}
}
