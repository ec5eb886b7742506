package service_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/service"
)

// TestBuiltinAdminIsUnreachableByName: the bootstrap admin is a built-in
// subject. A caller named user:admin (as an OIDC issuer may name one) is
// an ordinary user with no role; the server's own admin token is the
// built-in admin, and so is one an earlier version stored as user:admin;
// no new token can be issued for user:admin or a built-in subject.
func TestBuiltinAdminIsUnreachableByName(t *testing.T) {
	f := newFixture(t)
	set := service.New(f.store, f.keys, conntype.New(), nil)
	ctx := context.Background()

	named := &tether.Identity{Subject: "user:admin", Method: tether.MethodOIDC}
	for _, perm := range []tether.Permission{tether.PermRead, tether.PermTokens, tether.PermBindings} {
		if err := set.RBAC.Authorize(ctx, named, perm, ""); tether.ErrorCode(err) != tether.EFORBIDDEN {
			t.Errorf("user:admin, %s in every namespace: %v, want EFORBIDDEN", perm, err)
		}
	}

	tokenFile := filepath.Join(f.dir, "admin.token")
	if err := service.NewTokens(f.store).Bootstrap(ctx, "", tokenFile); err != nil {
		t.Fatal(err)
	}
	legacy := "tether_legacy-bootstrap-admin-token"
	if err := f.store.CreateToken(ctx, &tether.Token{ID: "admin-0badcafe", Hash: service.HashToken(legacy),
		Subject: tether.LegacyBootstrapSubject, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"bootstrap": readToken(t, tokenFile), "legacy": legacy} {
		who, err := set.Authn.Authenticate(ctx, token)
		if err != nil || who.Subject != tether.BootstrapSubject || !tether.IsBuiltinSubject(who.Subject) {
			t.Errorf("%s admin token: %+v, %v; want %s", name, who, err, tether.BootstrapSubject)
			continue
		}
		if err := set.RBAC.Authorize(ctx, who, tether.PermTokens, ""); err != nil {
			t.Errorf("%s admin token: %v", name, err)
		}
	}

	admin := tether.WithIdentity(ctx, &tether.Identity{Subject: tether.BootstrapSubject})
	for _, subject := range []string{tether.LegacyBootstrapSubject, tether.BootstrapSubject, "system:admin"} {
		if _, _, err := set.Tokens.Create(admin, subject, 0); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("token for %s: %v, want EINVALID", subject, err)
		}
	}
}

// TestUserSubject: an identity provider's user name becomes a user:
// subject, never a built-in one; reserved and unusable names are refused.
func TestUserSubject(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"admin", "user:admin"},
		{"alice@example.com", "user:alice@example.com"},
		{"system:tether:admin", ""},
		{"System:Admin", ""},
		{"system:serviceaccount:ml:trainer", ""},
		{"", ""},
		{"bob\n", ""},
	} {
		got, err := tether.UserSubject(tc.name)
		if got != tc.want || (tc.want == "") != (tether.ErrorCode(err) == tether.EUNAUTHORIZED) {
			t.Errorf("UserSubject(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
		if tether.IsBuiltinSubject(got) {
			t.Errorf("UserSubject(%q) = %q, a built-in subject", tc.name, got)
		}
	}
}

func readToken(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(raw))
}
