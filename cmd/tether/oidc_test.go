package main_test

import (
	"net/http"
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
