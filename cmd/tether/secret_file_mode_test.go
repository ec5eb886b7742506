package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLooseSecretFilesAreRefused: the key file and a supplied admin token
// file are held to one policy. Either one that other users may read or
// write makes the server refuse to start, with the same message naming the
// file, its mode and the fix; owner-only modes start.
func TestLooseSecretFilesAreRefused(t *testing.T) {
	t.Parallel()
	first := startServer(t, serverOptions{})
	first.stop()
	keyFile := filepath.Join(first.DataDir, "tether.key")
	tokenFile := writeFile(t, t.TempDir(), "admin-token", "tether_supplied-"+randomHex(t, 16)+"\n")
	files := map[string]string{"key file": keyFile, "admin token file": tokenFile}
	for _, tc := range []struct {
		mode os.FileMode
		want string // "" to start
	}{
		{0o644, "readable by other users (mode 0644)"},
		{0o640, "readable by other users (mode 0640)"},
		{0o620, "writable by other users (mode 0620)"},
		{0o602, "writable by other users (mode 0602)"},
		{0o400, ""},
	} {
		for what, path := range files {
			t.Run(fmt.Sprintf("%s %04o", what, tc.mode), func(t *testing.T) {
				for _, p := range files {
					chmod(t, p, 0o600)
				}
				chmod(t, path, tc.mode)
				opts := serverOptions{Dir: first.Dir, Args: []string{"--admin-token-file", tokenFile}}
				if tc.want == "" {
					startServer(t, opts).stop()
					return
				}
				f := startServerExpectingFailure(t, opts)
				want := what + " " + path + " is " + tc.want + "; chmod 600 it"
				if f.Code != 3 || !strings.Contains(f.Stderr, want) {
					t.Errorf("exit %d, stderr:\n%s\nwant exit 3 and %q", f.Code, f.Stderr, want)
				}
			})
		}
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
