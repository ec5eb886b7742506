package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/dextest"
	"github.com/tether-ml/tether/internal/oidc"
)

// newClient returns a login client of f's issuer as its public client.
func newClient(t *testing.T, f *dextest.Fixtures) *oidc.Client {
	t.Helper()
	c, err := oidc.NewClient(t.Context(), oidc.ClientConfig{IssuerURL: f.Issuer, ClientID: f.PublicClient.ID})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// checkToken requires tok to be a fresh login of user that the server
// accepts.
func checkToken(t *testing.T, f *dextest.Fixtures, tok *oidc.Token, user dextest.User) {
	t.Helper()
	if tok.Email != user.Email || tok.RefreshToken == "" || time.Until(tok.Expiry) < 10*time.Minute {
		t.Errorf("token: email %q, refresh token %v, expiry %v", tok.Email, tok.RefreshToken != "", tok.Expiry)
	}
	id, err := newVerifier(t, f, nil).Authenticate(t.Context(), tok.IDToken)
	if err != nil || id.Subject != "user:"+user.Email {
		t.Errorf("Authenticate: %+v, %v", id, err)
	}
}

func TestDeviceLogin(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	c := newClient(t, f)
	if !c.SupportsDevice() {
		t.Fatal("Dex offers the device flow; SupportsDevice says no")
	}
	approved := make(chan error, 1)
	tok, err := c.DeviceLogin(t.Context(), func(p oidc.DevicePrompt) {
		if p.UserCode == "" || !strings.Contains(p.VerificationURIComplete, p.UserCode) || time.Until(p.Expires) < time.Minute {
			t.Errorf("prompt %+v", p)
		}
		go func() {
			_, err := dextest.Login(context.Background(), p.VerificationURIComplete, f.Alice())
			approved <- err
		}()
	})
	if err != nil {
		t.Fatalf("DeviceLogin: %v", err)
	}
	if err := <-approved; err != nil {
		t.Fatalf("approving: %v", err)
	}
	checkToken(t, f, tok, f.Alice())
}

func TestBrowserLogin(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	var page *dextest.Page
	tok, err := newClient(t, f).BrowserLogin(t.Context(), 0, func(authURL string) {
		// Another program knocking on the listener does not end the login.
		if code := get(t, redirectURI(t, authURL)+"?state=guess&code=x"); code != http.StatusBadRequest {
			t.Errorf("callback with a wrong state: %d, want 400", code)
		}
		var err error
		if page, err = dextest.Login(t.Context(), authURL, f.Bob()); err != nil {
			t.Errorf("logging in: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("BrowserLogin: %v", err)
	}
	if page == nil || page.Status != http.StatusOK || !strings.Contains(page.Body, "Logged in") {
		t.Errorf("the browser's last page: %+v", page)
	}
	checkToken(t, f, tok, f.Bob())
}

// TestBrowserLoginRefused: the issuer sends the browser back with an error.
func TestBrowserLoginRefused(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	_, err := newClient(t, f).BrowserLogin(t.Context(), 0, func(authURL string) {
		u, _ := url.Parse(authURL)
		state := u.Query().Get("state")
		if code := get(t, redirectURI(t, authURL)+"?error=access_denied&state="+url.QueryEscape(state)); code != http.StatusUnauthorized {
			t.Errorf("callback with an error: %d, want 401", code)
		}
	})
	if tether.ErrorCode(err) != tether.EUNAUTHORIZED || !strings.Contains(tether.ErrorMessage(err), "access_denied") {
		t.Errorf("BrowserLogin: %v, want EUNAUTHORIZED naming access_denied", err)
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	first, err := dextest.PasswordGrant(t.Context(), f.Issuer, f.PublicClient, f.Carol(), dextest.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, f)
	tok, err := c.Refresh(t.Context(), first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if tok.IDToken == first.IDToken {
		t.Error("Refresh returned the old ID token")
	}
	checkToken(t, f, tok, f.Carol())
	_, err = c.Refresh(t.Context(), "not-a-refresh-token")
	if tether.ErrorCode(err) != tether.EUNAUTHORIZED || strings.Contains(err.Error(), "not-a-refresh-token") {
		t.Errorf("Refresh with a bad token: %v, want EUNAUTHORIZED without the token", err)
	}
}

// redirectURI is the loopback redirect of an authorization URL.
func redirectURI(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	r := u.Query().Get("redirect_uri")
	if !strings.HasPrefix(r, "http://127.0.0.1:") {
		t.Fatalf("redirect URI %q is not a loopback one", r)
	}
	return r
}

// get returns the status of a GET of target.
func get(t *testing.T, target string) int {
	t.Helper()
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
