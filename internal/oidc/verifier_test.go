package oidc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/dextest"
	"github.com/tether-ml/tether/internal/oidc"
)

// TestMain fails the package at once, with one message, when no Dex is
// given: every test here but the configuration ones needs it.
func TestMain(m *testing.M) {
	if os.Getenv(dextest.EnvSkip) != "1" && (os.Getenv(dextest.EnvIssuer) == "" || os.Getenv(dextest.EnvFixtures) == "") {
		fmt.Fprintln(os.Stderr, "FAIL: "+dextest.Missing)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// newVerifier returns a verifier of f's issuer for its public client.
func newVerifier(t *testing.T, f *dextest.Fixtures, mod func(*oidc.Config)) *oidc.Verifier {
	t.Helper()
	cfg := oidc.Config{IssuerURL: f.Issuer, ClientID: f.PublicClient.ID}
	if mod != nil {
		mod(&cfg)
	}
	v, err := oidc.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("oidc.New: %v", err)
	}
	return v
}

// login returns the tokens of u as client c.
func login(t *testing.T, issuer string, c dextest.Client, u dextest.User) *dextest.Tokens {
	t.Helper()
	tok, err := dextest.PasswordGrant(t.Context(), issuer, c, u, dextest.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAuthenticateValidToken(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	v := newVerifier(t, f, nil)
	tests := []struct {
		user   dextest.User
		mod    func(*oidc.Config)
		want   tether.Identity
		reason string
	}{
		{f.Alice(), nil, tether.Identity{Subject: "user:alice@example.com", Groups: []string{"group:ml-team", "group:admins"},
			Method: tether.MethodOIDC}, "email names the user, groups become group subjects"},
		{f.Bob(), nil, tether.Identity{Subject: "user:bob@example.com", Method: tether.MethodOIDC},
			"a user without groups has none"},
		{f.Alice(), func(c *oidc.Config) { c.UsernameClaim, c.GroupsClaim = "name", "no-such-claim" },
			tether.Identity{Subject: "user:alice", Method: tether.MethodOIDC}, "the claims are configurable"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			v := v
			if tt.mod != nil {
				v = newVerifier(t, f, tt.mod)
			}
			tok := login(t, f.Issuer, f.PublicClient, tt.user)
			id, err := v.Authenticate(t.Context(), tok.IDToken)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if !strings.HasPrefix(id.TokenID, "oidc:") || strings.Contains(tok.IDToken, strings.TrimPrefix(id.TokenID, "oidc:")) {
				t.Errorf("TokenID = %q, want oidc:<id> that is no part of the token", id.TokenID)
			}
			id.TokenID = ""
			if diff := cmp.Diff(tt.want, *id); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticateTokenIDsDiffer(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	v := newVerifier(t, f, nil)
	seen := map[string]bool{}
	for range 2 {
		id, err := v.Authenticate(t.Context(), login(t, f.Issuer, f.PublicClient, f.Alice()).IDToken)
		if err != nil {
			t.Fatal(err)
		}
		if seen[id.TokenID] {
			t.Errorf("two tokens share the TokenID %q", id.TokenID)
		}
		seen[id.TokenID] = true
	}
}

// TestAuthenticateRejects covers the tokens of this issuer that must not
// pass: each is EUNAUTHORIZED (not ErrNotMine: the chain must stop there)
// with a message that says why and does not contain the token.
func TestAuthenticateRejects(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	alice := login(t, f.Issuer, f.PublicClient, f.Alice()).IDToken
	other := login(t, f.Issuer, f.OtherClient, f.Alice()).IDToken
	later := newVerifier(t, f, func(c *oidc.Config) { c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) } })
	tests := []struct {
		name, token, message string
		v                    *oidc.Verifier
	}{
		{"expired", alice, "expired", later},
		{"wrong audience", other, "another client", nil},
		{"payload tampered", editClaims(t, alice, func(c map[string]any) { c["email"] = "admin@example.com" }), "not valid", nil},
		{"groups added", editClaims(t, alice, func(c map[string]any) { c["groups"] = []string{"admins", "root"} }), "not valid", nil},
		{"expiry extended", editClaims(t, alice, func(c map[string]any) { c["exp"] = time.Now().Add(time.Hour).Unix() + 7 }), "not valid", nil},
		{"signature tampered", flipSignatureByte(t, alice), "not valid", nil},
		{"exp malformed", editClaims(t, alice, func(c map[string]any) { c["exp"] = "tomorrow" }), "malformed", nil},
		{"aud malformed", editClaims(t, alice, func(c map[string]any) { c["aud"] = 42 }), "malformed", nil},
		{"no exp", editClaims(t, alice, func(c map[string]any) { delete(c, "exp") }), "expired", nil},
		{"signature removed", strings.Join(strings.Split(alice, ".")[:2], ".") + ".", "not valid", nil},
		{"alg none", editHeader(t, alice, map[string]any{"alg": "none"}), "not valid", nil},
		{"alg HS256", editHeader(t, alice, map[string]any{"alg": "HS256", "kid": kid(t, alice)}), "not valid", nil},
		{"unknown key", editHeader(t, alice, map[string]any{"alg": "RS256", "kid": "no-such-key"}), "key the issuer does not publish", nil},
		{"access token type", editHeader(t, alice, map[string]any{"alg": "RS256", "typ": "at+jwt"}), "access token", nil},
	}
	v := newVerifier(t, f, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v == nil {
				tt.v = v
			}
			id, err := tt.v.Authenticate(t.Context(), tt.token)
			switch {
			case err == nil:
				t.Fatalf("accepted as %+v", id)
			case errors.Is(err, tether.ErrNotMine):
				t.Fatalf("ErrNotMine, want a rejection: the token is this issuer's")
			case tether.ErrorCode(err) != tether.EUNAUTHORIZED:
				t.Fatalf("code %s (%v), want %s", tether.ErrorCode(err), err, tether.EUNAUTHORIZED)
			}
			msg := tether.ErrorMessage(err)
			if !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want it to contain %q", msg, tt.message)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) > 8 && strings.Contains(err.Error(), part) {
					t.Errorf("error %q contains part of the token", err)
				}
			}
		})
	}
}

// TestAuthenticateNotMine covers tokens another authenticator may own.
func TestAuthenticateNotMine(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	v := newVerifier(t, f, nil)
	alice := login(t, f.Issuer, f.PublicClient, f.Alice()).IDToken
	tests := map[string]string{
		"API token":         "tth_0123456789abcdef0123456789abcdef",
		"empty":             "",
		"two segments":      "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0",
		"not base64":        "a.b.c",
		"not JSON":          "bm90IGpzb24.bm90IGpzb24.c2ln",
		"another issuer":    editClaims(t, alice, func(c map[string]any) { c["iss"] = "https://accounts.example.com" }),
		"issuer lookalike":  editClaims(t, alice, func(c map[string]any) { c["iss"] = f.Issuer + "/" }),
		"no issuer":         editClaims(t, alice, func(c map[string]any) { delete(c, "iss") }),
		"huge":              strings.Repeat("a", 100<<10) + ".b.c",
		"Kubernetes-shaped": editClaims(t, alice, func(c map[string]any) { c["iss"] = "https://kubernetes.default.svc" }),
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Authenticate(t.Context(), token); err != tether.ErrNotMine {
				t.Errorf("Authenticate: %v, want tether.ErrNotMine", err)
			}
		})
	}
}

// TestAuthenticateAccessToken documents that Dex's access tokens, JWTs with
// the same issuer, audience and claims as its ID tokens, are accepted: they
// cannot be told apart, and name the same user for the same client.
func TestAuthenticateAccessToken(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	tok := login(t, f.Issuer, f.PublicClient, f.Alice())
	id, err := newVerifier(t, f, nil).Authenticate(t.Context(), tok.AccessToken)
	if err != nil {
		t.Fatalf("Dex access token: %v (if Dex now marks its access tokens, update the package doc)", err)
	}
	if id.Subject != "user:alice@example.com" {
		t.Errorf("Subject = %q", id.Subject)
	}
}

// TestKeyRollover restarts a private Dex, which then signs with new keys:
// the same verifier must accept the new tokens.
func TestKeyRollover(t *testing.T) {
	t.Parallel()
	dex := dextest.Start(t)
	v := newVerifier(t, dex.Fixtures, nil)
	before := login(t, dex.Issuer, dex.PublicClient, dex.Alice()).IDToken
	if _, err := v.Authenticate(t.Context(), before); err != nil {
		t.Fatalf("token before the restart: %v", err)
	}
	dex.Restart(t)
	after := login(t, dex.Issuer, dex.PublicClient, dex.Bob()).IDToken
	if kid(t, after) == kid(t, before) {
		t.Fatalf("the restarted Dex signs with the same key %q", kid(t, before))
	}
	id, err := v.Authenticate(t.Context(), after)
	if err != nil {
		t.Fatalf("token signed with the new key: %v", err)
	}
	if id.Subject != "user:bob@example.com" {
		t.Errorf("Subject = %q", id.Subject)
	}
	shared := dextest.Load(t)
	if _, err := v.Authenticate(t.Context(), login(t, shared.Issuer, shared.PublicClient, shared.Alice()).IDToken); err != tether.ErrNotMine {
		t.Errorf("token of another Dex: %v, want ErrNotMine", err)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tests := []struct {
		name string
		cfg  oidc.Config
		code string
	}{
		{"no client", oidc.Config{IssuerURL: f.Issuer}, tether.EINVALID},
		{"relative issuer", oidc.Config{IssuerURL: "dex", ClientID: "x"}, tether.EINVALID},
		{"issuer down", oidc.Config{IssuerURL: "http://127.0.0.1:1/dex", ClientID: "x"}, tether.EUNAVAILABLE},
		// Discovery must name the issuer exactly as configured.
		{"issuer spelt otherwise", oidc.Config{IssuerURL: strings.Replace(f.Issuer, "127.0.0.1", "localhost", 1), ClientID: "x"}, tether.EUNAVAILABLE},
		{"not an issuer", oidc.Config{IssuerURL: f.Issuer + "/nothing", ClientID: "x"}, tether.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oidc.New(ctx, tt.cfg)
			if got := tether.ErrorCode(err); got != tt.code {
				t.Errorf("New: %v (code %q), want code %q", err, got, tt.code)
			}
		})
	}
}

// editClaims returns token with its claims changed by edit and its
// signature kept: a forgery.
func editClaims(t *testing.T, token string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	var claims map[string]any
	decode(t, parts[1], &claims)
	edit(claims)
	parts[1] = encode(t, claims)
	return strings.Join(parts, ".")
}

// editHeader returns token with header h instead of its own.
func editHeader(t *testing.T, token string, h map[string]any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	parts[0] = encode(t, h)
	return strings.Join(parts, ".")
}

// flipSignatureByte returns token with one bit of its signature changed.
func flipSignatureByte(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)/2] ^= 0x01
	parts[2] = base64.RawURLEncoding.EncodeToString(sig)
	return strings.Join(parts, ".")
}

// kid is the key ID in token's header.
func kid(t *testing.T, token string) string {
	t.Helper()
	var h struct {
		Kid string `json:"kid"`
	}
	decode(t, strings.Split(token, ".")[0], &h)
	return h.Kid
}

func decode(t *testing.T, seg string, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}
