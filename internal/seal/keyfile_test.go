package seal_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/seal"
)

func TestCreateRefusesExistingFile(t *testing.T) {
	kr := newKeyring(t)
	before, err := os.ReadFile(kr.Path())
	if err != nil {
		t.Fatal(err)
	}
	_, err = seal.Create(kr.Path())
	e := wantCode(t, err, tether.ECONFLICT)
	if !strings.Contains(e.Message, kr.Path()) {
		t.Errorf("message %q does not name the path", e.Message)
	}
	assertNoLeak(t, "Create error", err.Error(), keyMaterial(t, kr.Path()))
	if after, _ := os.ReadFile(kr.Path()); !bytes.Equal(after, before) {
		t.Fatal("Create changed the existing key file")
	}
}

func TestCreateNeedsParentDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "keys.json")
	_, err := seal.Create(path)
	wantCode(t, err, tether.ENOTFOUND)
}

func TestKeyFileModeIs0600(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	kr := newKeyring(t)
	checkMode := func(when string) {
		t.Helper()
		info, err := os.Stat(kr.Path())
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("key file mode after %s = %04o, want 0600", when, got)
		}
	}
	checkMode("Create")
	if _, err := kr.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkMode("Rotate")
	entries, err := os.ReadDir(filepath.Dir(kr.Path()))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("Rotate left a temporary file %s", e.Name())
		}
	}
}

func TestLoadRoundTripsCreate(t *testing.T) {
	kr := newKeyring(t)
	blob, _, err := kr.Seal([]byte("v"), []byte("rec"))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := seal.Load(kr.Path())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if loaded.PrimaryKeyID() != kr.PrimaryKeyID() || loaded.Path() != kr.Path() {
		t.Fatalf("loaded %v, created %v", loaded, kr)
	}
	if got, err := loaded.Open(blob, []byte("rec")); err != nil || string(got) != "v" {
		t.Fatalf("loaded.Open = %q, %v", got, err)
	}
}

// loadCase is a key file Load must reject: content derives it from a valid
// file, mode is its permission bits, message is part of the wanted message.
type loadCase struct {
	name    string
	mode    os.FileMode
	content func(valid []byte) []byte
	code    string
	message string
}

func loadRejectCases() []loadCase {
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 31))
	return []loadCase{
		{"group readable", 0o640, same, tether.EINVALID, "readable by other users (mode 0640); chmod 600 it"},
		{"world readable", 0o644, same, tether.EINVALID, "readable by other users (mode 0644)"},
		{"group writable", 0o620, same, tether.EINVALID, "writable by other users (mode 0620)"},
		{"truncated", 0o600, func(v []byte) []byte { return v[:len(v)/2] }, tether.EINVALID, "is truncated"},
		{"empty", 0o600, func([]byte) []byte { return nil }, tether.EINVALID, "is empty"},
		{"not JSON", 0o600, func([]byte) []byte { return []byte("key: abc") }, tether.EINVALID, "not valid JSON"},
		{"trailing data", 0o600, func(v []byte) []byte { return append(v, "{}"...) }, tether.EINVALID, "data after"},
		{"unknown field", 0o600, replace(`"primary"`, `"primray"`), tether.EINVALID, "unknown field"},
		{"wrong type", 0o600, replace(`"version": 1`, `"version": "1"`), tether.EINVALID, `field "version"`},
		{"unknown version", 0o600, replace(`"version": 1`, `"version": 2`), tether.EINVALID, "version 2"},
		{"no keys", 0o600, func([]byte) []byte { return []byte(`{"version":1,"primary":"k-1","keys":[]}`) },
			tether.EINVALID, "has no keys"},
		{"wrong-length key", 0o600, replaceKey(short), tether.EINVALID, "of 31 bytes; want 32"},
		{"bad base64", 0o600, replaceKey("not*base64"), tether.EINVALID, "not valid base64"},
		{"primary not in keys", 0o600, replace(`"primary": "k-`, `"primary": "k-0`), tether.EINVALID,
			"which is not among its keys"},
		{"bad created", 0o600, replace(`"created": "`, `"created": "yesterday`), tether.EINVALID, "created time"},
	}
}

func TestLoadRejects(t *testing.T) {
	valid := func(t *testing.T) []byte {
		data, err := os.ReadFile(newKeyring(t).Path())
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, tt := range loadRejectCases() {
		t.Run(tt.name, func(t *testing.T) {
			v := valid(t)
			path := filepath.Join(t.TempDir(), "keys.json")
			if err := os.WriteFile(path, tt.content(v), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := seal.Load(path)
			e := wantCode(t, err, tt.code)
			if !strings.Contains(e.Message, tt.message) || !strings.Contains(e.Message, path) {
				t.Errorf("message = %q, want it to name %s and contain %q", e.Message, path, tt.message)
			}
			assertNoLeak(t, "Load error", err.Error(), secretsOf(t, v))
		})
	}
}

func same(v []byte) []byte { return v }

func replace(old, new string) func([]byte) []byte {
	return func(v []byte) []byte { return []byte(strings.Replace(string(v), old, new, 1)) }
}

// replaceKey replaces the value of the first "key" field with key.
func replaceKey(key string) func([]byte) []byte {
	return func(v []byte) []byte {
		s := string(v)
		i := strings.Index(s, `"key": "`) + len(`"key": "`)
		j := i + strings.Index(s[i:], `"`)
		return []byte(s[:i] + key + s[j:])
	}
}

// secretsOf is keyMaterial for key file contents not on disk.
func secretsOf(t *testing.T, data []byte) []string {
	path := filepath.Join(t.TempDir(), "copy.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return keyMaterial(t, path)
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.json")
	_, err := seal.Load(path)
	e := wantCode(t, err, tether.ENOTFOUND)
	if !strings.Contains(e.Message, path) {
		t.Errorf("message %q does not name %s", e.Message, path)
	}
}

func TestReloadKeepsRingOnBadFile(t *testing.T) {
	kr := newKeyring(t)
	id := kr.PrimaryKeyID()
	blob, _, _ := kr.Seal([]byte("v"), []byte("rec"))
	if err := os.WriteFile(kr.Path(), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantCode(t, kr.Reload(), tether.EINVALID)
	if kr.PrimaryKeyID() != id {
		t.Fatalf("primary = %q after a failed reload, want %q", kr.PrimaryKeyID(), id)
	}
	if _, err := kr.Open(blob, []byte("rec")); err != nil {
		t.Fatalf("Open after a failed reload: %v", err)
	}
	_, err := kr.Rotate(context.Background())
	wantCode(t, err, tether.EINVALID) // never rotates from a file it cannot read
}
