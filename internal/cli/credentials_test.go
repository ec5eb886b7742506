package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/dextest"
	"github.com/tether-ml/tether/internal/oidc"
)

// homeEnv is the environment of a user whose home is a fresh directory.
func homeEnv(t *testing.T) (getenv func(string) string, path string) {
	t.Helper()
	home := t.TempDir()
	getenv = func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	path, err := credentialsPath(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".config", "tether", "credentials.json"); runtime.GOOS == "linux" && path != want {
		t.Fatalf("credentials path %s, want %s", path, want)
	}
	return getenv, path
}

func TestSavedTokenWithoutLogin(t *testing.T) {
	getenv, _ := homeEnv(t)
	tok, ok, err := savedToken(t.Context(), getenv)
	if tok != "" || ok || err != nil {
		t.Errorf("savedToken = %q, %v, %v; want nothing", tok, ok, err)
	}
	noHome := func(string) string { return "" }
	if tok, ok, err := savedToken(t.Context(), noHome); tok != "" || ok || err != nil {
		t.Errorf("without HOME: savedToken = %q, %v, %v; want nothing", tok, ok, err)
	}
}

// TestSavedTokenValid uses a saved token that has not expired as it is,
// without asking the issuer (there is none at that address).
func TestSavedTokenValid(t *testing.T) {
	getenv, path := homeEnv(t)
	c := &credentials{Issuer: "http://127.0.0.1:1/dex", ClientID: "x", IDToken: "saved-id-token",
		RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}
	if err := saveCredentials(path, c); err != nil {
		t.Fatal(err)
	}
	tok, ok, err := savedToken(t.Context(), getenv)
	if tok != "saved-id-token" || !ok || err != nil {
		t.Errorf("savedToken = %q, %v, %v; want the saved token", tok, ok, err)
	}
	wantMode(t, path, 0o600)
	wantMode(t, filepath.Dir(path), 0o700|os.ModeDir)
}

func TestSavedTokenUnusable(t *testing.T) {
	tests := []struct {
		name, file, message string
	}{
		{"not JSON", "{", "unreadable"},
		{"expired, no refresh token", `{"issuer":"http://127.0.0.1:1/dex","client_id":"x","id_token":"t","expiry":"2020-01-01T00:00:00Z"}`,
			"expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv, path := homeEnv(t)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, ok, err := savedToken(t.Context(), getenv)
			if !ok || tether.ErrorCode(err) != tether.EUNAUTHORIZED || !strings.Contains(tether.ErrorMessage(err), tt.message) {
				t.Errorf("savedToken: ok %v, %v; want EUNAUTHORIZED saying %q", ok, err, tt.message)
			}
		})
	}
}

// TestSavedTokenRefresh lets a saved login expire: savedToken must get a
// new ID token from Dex with the refresh token, save it, and return it; for
// a confidential client, with the secret read from the file the login names.
func TestSavedTokenRefresh(t *testing.T) {
	f := dextest.Load(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(f.OtherClient.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		client     dextest.Client
		secretFile string
	}{
		{"public client", f.PublicClient, ""},
		{"confidential client", f.OtherClient, secretFile},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first, err := dextest.PasswordGrant(t.Context(), f.Issuer, tt.client, f.Dave(), dextest.Scopes)
			if err != nil {
				t.Fatal(err)
			}
			getenv, path := homeEnv(t)
			old := &credentials{Issuer: f.Issuer, ClientID: tt.client.ID, ClientSecretFile: tt.secretFile,
				IDToken: first.IDToken, RefreshToken: first.RefreshToken, Expiry: time.Now().Add(expirySkew / 2)}
			if err := saveCredentials(path, old); err != nil {
				t.Fatal(err)
			}
			tok, ok, err := savedToken(t.Context(), getenv)
			if err != nil || !ok {
				t.Fatalf("savedToken: %v, %v", ok, err)
			}
			if tok == first.IDToken {
				t.Fatal("savedToken returned the expiring token, want a new one")
			}
			checkRenewed(t, f, tt.client, path, tok)

			// A refresh token the issuer refuses (revoked, used up) means
			// logging in again.
			old.RefreshToken = "not-a-refresh-token"
			if err := saveCredentials(path, old); err != nil {
				t.Fatal(err)
			}
			_, _, err = savedToken(t.Context(), getenv)
			if tether.ErrorCode(err) != tether.EUNAUTHORIZED || !strings.Contains(tether.ErrorMessage(err), "tether login --oidc") {
				t.Errorf("refresh refused: %v, want EUNAUTHORIZED asking to log in again", err)
			}
		})
	}
}

// checkRenewed requires tok to be accepted for client and to be the one
// saved in path, with a refresh token and a later expiry.
func checkRenewed(t *testing.T, f *dextest.Fixtures, client dextest.Client, path, tok string) {
	t.Helper()
	v, err := oidc.New(t.Context(), oidc.Config{IssuerURL: f.Issuer, ClientID: client.ID})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := v.Authenticate(t.Context(), tok); err != nil || id.Subject != "user:"+f.Dave().Email {
		t.Fatalf("the renewed token: %+v, %v", id, err)
	}
	saved, err := loadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.IDToken != tok || saved.RefreshToken == "" || time.Until(saved.Expiry) < 10*time.Minute {
		t.Errorf("saved after the refresh: token saved %v, refresh token %v, expiry %v",
			saved.IDToken == tok, saved.RefreshToken != "", saved.Expiry)
	}
	wantMode(t, path, 0o600)
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode() != want {
		t.Errorf("%s: mode %v, want %v", path, st.Mode(), want)
	}
}
