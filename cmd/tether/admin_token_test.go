package main_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestAdminTokenFile starts servers with a supplied admin token, by flag
// and by environment variable: that token works as a bearer token, others
// do not, and the server writes no admin.token of its own.
func TestAdminTokenFile(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"--admin-token-file", "TETHER_ADMIN_TOKEN_FILE"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			token := "tether_supplied-" + randomHex(t, 16)
			file := writeFile(t, t.TempDir(), "admin-token", token+"\n")
			opts := serverOptions{TokenFile: file}
			if how == "--admin-token-file" {
				opts.Args = []string{"--admin-token-file", file}
			} else {
				opts.Env = map[string]string{"TETHER_ADMIN_TOKEN_FILE": file}
			}
			s := startServer(t, opts)
			for _, tc := range []struct {
				token string
				want  int
			}{{token, http.StatusOK}, {token + "x", http.StatusUnauthorized}, {"", http.StatusUnauthorized}} {
				if status, _, body := s.apiWith(tc.token, http.MethodGet, "/api/v1/connection", nil); status != tc.want {
					t.Errorf("GET with token %q: %d %s, want %d", tc.token, status, body, tc.want)
				}
			}
			if out := newCLI(t, s).ok("conn", "get", "-o", "json"); out != "[]\n" {
				t.Errorf("CLI with the supplied token: %q", out)
			}
			if _, err := os.Stat(filepath.Join(s.DataDir, "admin.token")); !os.IsNotExist(err) {
				t.Errorf("the server wrote an admin.token of its own (stat: %v)", err)
			}
			s.stop()
		})
	}
}
