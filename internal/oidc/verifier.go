// Package oidc authenticates people by the ID tokens of an OpenID Connect
// issuer (Dex, Keycloak, Okta, Google, ...), and obtains those tokens for
// the command line. On the server, a Verifier finds the issuer by
// discovery, fetches its signing keys from its JWKS document (again when it
// rolls them over), and checks each token's signature, issuer, audience and
// expiry before taking the caller's name and groups from its claims. On the
// client, a Client logs a person in (device flow, or browser with PKCE) and
// refreshes the login. It is the only user of go-oidc, go-jose and oauth2.
//
// A Verifier is a tether.Authenticator meant to sit in a chain beside
// Tether's own API tokens: a bearer token that is not a JWT of this issuer
// is answered with tether.ErrNotMine, so the next authenticator can try it.
//
// Dex also issues its access tokens as JWTs with the same issuer, audience
// and claims as its ID tokens (even an at_hash), so the two cannot be told
// apart and both are accepted; this grants nothing more, as both name the
// same user, for the same client, for the same time. Access tokens that say
// what they are (RFC 9068 "typ": "at+jwt") are rejected.
package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/tether-ml/tether"
)

// Claims read by default.
const (
	DefaultGroupsClaim   = "groups"
	DefaultUsernameClaim = "email"
)

// httpTimeout bounds each request to the issuer (discovery, keys).
const httpTimeout = 10 * time.Second

// Config says which issuer to trust and how to read its tokens.
type Config struct {
	// IssuerURL is the issuer exactly as it appears in the tokens' "iss"
	// claim and in its discovery document, e.g. http://127.0.0.1:5556/dex.
	IssuerURL string
	// ClientID is the OAuth client the tokens must be issued to: their
	// "aud" claim must contain it. The CLI logs in as this client.
	ClientID string
	// GroupsClaim names the claim holding the caller's groups (a string or
	// a list of strings); default "groups". A token without it has no groups.
	GroupsClaim string
	// UsernameClaim names the claim holding the caller's name; default
	// "email". A token without it is rejected; so is one whose
	// "email_verified" is false when the name is the email.
	UsernameClaim string
	// HTTPClient makes the requests to the issuer, e.g. to trust a private
	// CA; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock of the expiry check; nil means time.Now. Tests set
	// it to see tokens expire without waiting.
	Now func() time.Time
}

// Verifier checks the ID tokens of one issuer for one client. It is safe
// for concurrent use and meant to live as long as the server.
type Verifier struct {
	cfg      Config
	keys     *keySet
	verifier *gooidc.IDTokenVerifier
}

var _ tether.Authenticator = (*Verifier)(nil)

// New discovers the issuer and fetches its signing keys, so that a wrong
// URL or an unreachable issuer is reported when the server starts rather
// than at the first login. The context bounds only these first requests.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	pctx := gooidc.ClientContext(ctx, cfg.HTTPClient)
	provider, err := gooidc.NewProvider(pctx, cfg.IssuerURL)
	if err != nil {
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: "oidc.New",
			Message: "OIDC issuer " + cfg.IssuerURL + ": discovery failed", Err: err}
	}
	var meta struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURI == "" {
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: "oidc.New",
			Message: "OIDC issuer " + cfg.IssuerURL + ": discovery document has no jwks_uri", Err: err}
	}
	keys := newKeySet(meta.JWKSURI, cfg.HTTPClient)
	if err := keys.load(ctx); err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, keys: keys}
	v.verifier = gooidc.NewVerifier(cfg.IssuerURL, keys, &gooidc.Config{
		ClientID:             cfg.ClientID,
		SupportedSigningAlgs: meta.Algs,
		Now:                  cfg.Now,
	})
	return v, nil
}

// fill checks the configuration and sets the defaults.
func (c *Config) fill() error {
	u, err := url.Parse(c.IssuerURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return tether.Errorf(tether.EINVALID, "OIDC issuer URL %q must be an absolute http(s) URL", c.IssuerURL)
	}
	if c.ClientID == "" {
		return tether.Errorf(tether.EINVALID, "OIDC client ID is required: tokens are accepted only for this client")
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = DefaultGroupsClaim
	}
	if c.UsernameClaim == "" {
		c.UsernameClaim = DefaultUsernameClaim
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: httpTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Issuer returns the issuer URL the verifier trusts.
func (v *Verifier) Issuer() string { return v.cfg.IssuerURL }

// Authenticate returns the identity of the ID token's holder. A token that
// is not a JWT of this issuer gets tether.ErrNotMine; any other failure is
// EUNAUTHORIZED with a message that says what was wrong and never contains
// the token, except that an issuer whose keys cannot be fetched is
// EUNAVAILABLE.
func (v *Verifier) Authenticate(ctx context.Context, token string) (*tether.Identity, error) {
	p, ok := peek(token)
	if !ok || p.Issuer != v.cfg.IssuerURL {
		return nil, tether.ErrNotMine
	}
	if err := v.precheck(p); err != nil {
		return nil, err
	}
	if err := v.keys.ensure(ctx, p.Header.KeyID); err != nil {
		return nil, err
	}
	idt, err := v.verifier.Verify(ctx, token)
	if err != nil {
		return nil, v.rejection(err)
	}
	return v.identity(idt, p)
}

// precheck rejects, from its unverified claims, a token that would fail
// verification anyway, with a precise message and before any key is
// fetched for it. Verify checks all of this again on the verified claims.
func (v *Verifier) precheck(p *peeked) error {
	switch {
	case !p.ClaimsOK:
		return unauthorized("OIDC token's aud or exp claim is malformed", nil)
	case p.Header.isAccessToken():
		return unauthorized("OIDC token is an access token; use the ID token", nil)
	case !p.Claims.Audience.Contains(v.cfg.ClientID):
		return unauthorized("OIDC token was issued for another client (audience), not "+v.cfg.ClientID, nil)
	case !v.cfg.Now().Before(p.Claims.expiry()):
		return unauthorized("OIDC token has expired; log in again (tether login --oidc)", nil)
	}
	return nil
}

// rejection maps a failed verification to a safe error.
func (v *Verifier) rejection(err error) error {
	var expired *gooidc.TokenExpiredError
	if errors.As(err, &expired) {
		return unauthorized("OIDC token has expired; log in again (tether login --oidc)", err)
	}
	return unauthorized("OIDC token is not valid (bad signature or claims)", err)
}

// unauthorized is an EUNAUTHORIZED error with a safe message and an
// internal cause for the logs.
func unauthorized(msg string, cause error) error {
	return &tether.Error{Code: tether.EUNAUTHORIZED, Op: "oidc.Authenticate", Message: msg, Err: cause}
}
