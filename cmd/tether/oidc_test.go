package main_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tether-ml/tether/internal/dextest"
)

// TestOIDCIdentities: a server configured with a real Dex accepts its ID
// tokens as user:EMAIL with the user's groups, authorizes them by role
// bindings to the user or to a group, records the login, and refuses a
// token for another client.
func TestOIDCIdentities(t *testing.T) {
	t.Parallel()
	fx := dextest.Load(t)
	s := startServer(t, serverOptions{Args: []string{"--oidc-issuer-url", fx.Issuer, "--oidc-client-id", fx.PublicClient.ID}})
	admin := newCLI(t, s)
	alice, bob := fx.Alice(), fx.Bob()
	tokens := map[string]string{}
	for _, u := range []dextest.User{alice, bob} {
		tok, err := dextest.PasswordGrant(t.Context(), fx.Issuer, fx.PublicClient, u, dextest.Scopes)
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.Email] = tok.IDToken
	}
	get := func(email string) int {
		code, _, _ := s.apiWith(tokens[email], "GET", "/api/v1/connection", nil)
		return code
	}
	if get(alice.Email) != http.StatusNotFound || get(bob.Email) != http.StatusNotFound {
		t.Errorf("OIDC users without a role binding see the default namespace")
	}
	admin.ok("rolebinding", "create", "--namespace", "default", "--role", "viewer", "--subject", "user:"+bob.Email)
	if len(alice.Groups) == 0 {
		t.Fatal("the fixtures' first user has no groups")
	}
	admin.ok("rolebinding", "create", "--namespace", "default", "--role", "viewer", "--subject", "group:"+alice.Groups[0])
	if code := get(bob.Email); code != http.StatusOK {
		t.Errorf("bob, bound as a user: %d", code)
	}
	if code := get(alice.Email); code != http.StatusOK {
		t.Errorf("alice, bound through her group: %d", code)
	}
	other, err := dextest.PasswordGrant(t.Context(), fx.Issuer, fx.OtherClient, bob, dextest.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := s.apiWith(other.IDToken, "GET", "/api/v1/connection", nil); code != http.StatusUnauthorized {
		t.Errorf("a token for another client: %d, want 401", code)
	}
	tampered := tokens[bob.Email][:len(tokens[bob.Email])-4] + "AAAA"
	if code, _, _ := s.apiWith(tampered, "GET", "/api/v1/connection", nil); code != http.StatusUnauthorized {
		t.Errorf("a tampered token: %d, want 401", code)
	}
	audit := admin.ok("audit", "get")
	if !strings.Contains(audit, "user:"+bob.Email) || !strings.Contains(audit, "login") || strings.Contains(audit, tokens[bob.Email]) {
		t.Errorf("audit log lacks bob's login, or holds his token:\n%s", audit)
	}
}

// TestOIDCUserNamedAdminIsNotTheAdmin: a real Dex user whose name claim is
// "admin" signs in as the ordinary user:admin, with no role until one is
// bound, and never as the bootstrap admin (system:tether:admin), which the
// server's own admin token still is.
func TestOIDCUserNamedAdminIsNotTheAdmin(t *testing.T) {
	t.Parallel()
	fx := dextest.Load(t)
	i := slices.IndexFunc(fx.Users, func(u dextest.User) bool { return u.Username == "admin" })
	if i < 0 {
		t.Fatal("the Dex fixtures have no user named admin: restart it with ./scripts/testenv/dex.sh")
	}
	s := startServer(t, serverOptions{Args: []string{"--oidc-issuer-url", fx.Issuer,
		"--oidc-client-id", fx.PublicClient.ID, "--oidc-username-claim", "name"}})
	tok, err := dextest.PasswordGrant(t.Context(), fx.Issuer, fx.PublicClient, fx.Users[i], dextest.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	binding := `{"subject":"user:mallory","role":"admin","namespace":"*"}`
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/api/v1/connection", nil, http.StatusNotFound},
		{"GET", "/api/v1/tokens", nil, http.StatusForbidden},
		{"POST", "/api/v1/rolebindings", binding, http.StatusForbidden},
		{"GET", "/api/v1/audit", nil, http.StatusForbidden},
	} {
		if code, _, body := s.apiWith(tok.IDToken, tc.method, tc.path, tc.body); code != tc.want {
			t.Errorf("OIDC user admin: %s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.want)
		}
	}
	admin := newCLI(t, s)
	admin.ok("rolebinding", "create", "--namespace", "default", "--role", "viewer", "--subject", "user:admin")
	if code, _, body := s.apiWith(tok.IDToken, "GET", "/api/v1/connection", nil); code != http.StatusOK {
		t.Errorf("OIDC user admin bound as viewer: %d %s", code, body)
	}
	if code, _, _ := s.apiWith(tok.IDToken, "GET", "/api/v1/tokens", nil); code != http.StatusForbidden {
		t.Errorf("OIDC user admin bound as viewer lists tokens: %d, want 403", code)
	}
	audit := admin.ok("audit", "get")
	if !strings.Contains(audit, "user:admin") || !strings.Contains(audit, "system:tether:admin") {
		t.Errorf("audit log does not tell the OIDC user admin (user:admin) from the bootstrap admin (system:tether:admin):\n%s", audit)
	}
}
