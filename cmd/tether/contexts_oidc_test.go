package main_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tether-ml/tether/internal/dextest"
)

// TestLoginOIDCContext logs in through Dex with --url and --context: the
// login is saved for the context, which becomes current and authenticates
// the next calls; the file of the login without a context is not written,
// and deleting the context deletes its login.
func TestLoginOIDCContext(t *testing.T) {
	t.Parallel()
	fx := dextest.Load(t)
	s := startServer(t, serverOptions{Args: []string{"--oidc-issuer-url", fx.Issuer, "--oidc-client-id", fx.PublicClient.ID}})
	alice := fx.Alice()
	newCLI(t, s).ok("rolebinding", "create", "--namespace", "default", "--role", "viewer", "--subject", "user:"+alice.Email)
	home := t.TempDir()
	r := startLogin(t, home, "--oidc", "--issuer", fx.Issuer, "--client-id", fx.PublicClient.ID, "--no-browser",
		"--url", s.URL, "--context", "dex")
	page := r.await(regexp.MustCompile(`\(or open (\S+)\)`))
	if _, err := dextest.Login(t.Context(), page, alice); err != nil {
		t.Fatalf("approving the device login: %v", err)
	}
	exit, printed := r.wait()
	if exit != 0 || !strings.Contains(printed, `Context "dex" saved`) {
		t.Fatalf("tether login: exit %d, stderr:\n%s", exit, printed)
	}
	dir := filepath.Join(home, ".config", "tether")
	if _, err := os.Stat(filepath.Join(dir, "credentials.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("credentials.json written by a login for a context: %v", err)
	}
	wantPrivate(t, filepath.Join(dir, "config.yaml"))
	wantPrivate(t, filepath.Join(dir, "logins", "dex.json"))
	c := newCLI(t, nil).with("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	if out := c.ok("namespace", "get"); !strings.Contains(out, "default") {
		t.Errorf("namespace get as the context's OIDC user: %q", out)
	}
	list := c.ok("config", "get-contexts")
	if !strings.Contains(list, "*        dex   "+s.URL) || !strings.Contains(list, "oidc") {
		t.Errorf("get-contexts:\n%s", list)
	}
	if strings.Contains(list+printed, "eyJ") {
		t.Errorf("a token was printed:\n%s%s", printed, list)
	}
	wantExit(t, c.run("", "config", "delete-context", "dex"), 0)
	if _, err := os.Stat(filepath.Join(dir, "logins", "dex.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the context's login outlived the context: %v", err)
	}
}
