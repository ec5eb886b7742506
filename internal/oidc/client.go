package oidc

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tether-ml/tether"
)

// ClientConfig says how to log in: at which issuer, as which OAuth client.
type ClientConfig struct {
	// IssuerURL is the issuer, exactly as the server is configured with it.
	IssuerURL string
	// ClientID is the OAuth client to log in as; the server must accept
	// tokens for it (its --oidc-client-id).
	ClientID string
	// ClientSecret is the client's secret, for a confidential client; empty
	// for a public one (the usual kind for a command line tool).
	ClientSecret string
	// Scopes are requested in addition to "openid"; nil means those of
	// email, profile, groups and offline_access that the issuer supports.
	Scopes []string
	// HTTPClient makes the requests to the issuer; nil means a client with
	// a 10 s timeout.
	HTTPClient *http.Client
}

// defaultScopes are asked for when the issuer supports them: email and
// profile name the user, groups lists their groups (Dex), offline_access
// gets a refresh token so that the login outlives the ID token.
var defaultScopes = []string{"email", "profile", "groups", "offline_access"}

// Client obtains ID tokens from an issuer, by the login flows of a person
// at a terminal and by refresh. It checks each token it receives with the
// issuer's keys before handing it out.
type Client struct {
	cfg       ClientConfig
	provider  *gooidc.Provider
	oauth     oauth2.Config
	verifier  *gooidc.IDTokenVerifier
	hasDevice bool
}

// Token is the result of a login or a refresh.
type Token struct {
	// IDToken is the bearer token to send to the Tether server.
	IDToken string
	// RefreshToken gets a new ID token once this one expires; empty if
	// the issuer gave none.
	RefreshToken string
	// Expiry is when the ID token expires (its exp claim).
	Expiry time.Time
	// Email and Name are the user's, as the ID token states them, to
	// tell the user who they logged in as.
	Email, Name string
}

// NewClient discovers the issuer.
func NewClient(ctx context.Context, cfg ClientConfig) (*Client, error) {
	vc := Config{IssuerURL: cfg.IssuerURL, ClientID: cfg.ClientID, HTTPClient: cfg.HTTPClient}
	if err := vc.fill(); err != nil {
		return nil, err
	}
	cfg.HTTPClient = vc.HTTPClient
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, cfg.HTTPClient), cfg.IssuerURL)
	if err != nil {
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: "oidc.NewClient",
			Message: "OIDC issuer " + cfg.IssuerURL + ": discovery failed", Err: err}
	}
	var meta struct {
		Scopes []string `json:"scopes_supported"`
	}
	_ = provider.Claims(&meta) // scopes_supported is optional
	scopes := cfg.Scopes
	if scopes == nil {
		for _, s := range defaultScopes {
			if slices.Contains(meta.Scopes, s) || (len(meta.Scopes) == 0 && s != "groups" && s != "offline_access") {
				scopes = append(scopes, s)
			}
		}
	}
	if !slices.Contains(scopes, gooidc.ScopeOpenID) {
		scopes = append([]string{gooidc.ScopeOpenID}, scopes...)
	}
	return &Client{
		cfg:       cfg,
		provider:  provider,
		hasDevice: provider.Endpoint().DeviceAuthURL != "",
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint: provider.Endpoint(), Scopes: scopes},
		verifier: provider.VerifierContext(gooidc.ClientContext(ctx, cfg.HTTPClient),
			&gooidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// SupportsDevice reports whether the issuer offers the device
// authorization grant (RFC 8628), the login flow that needs no browser on
// the machine running tether.
func (c *Client) SupportsDevice() bool { return c.hasDevice }

// Refresh exchanges a refresh token for a new ID token. A refresh token
// the issuer no longer honours is EUNAUTHORIZED: the user must log in again.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	ctx = c.httpContext(ctx)
	src := c.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		return nil, exchangeError("refresh", err)
	}
	out, err := c.token(ctx, tok, "")
	if err != nil {
		return nil, err
	}
	if out.RefreshToken == "" {
		out.RefreshToken = refreshToken // not rotated
	}
	return out, nil
}

// httpContext carries the client's HTTP client to oauth2.
func (c *Client) httpContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.cfg.HTTPClient)
}

// token checks the ID token of an OAuth token response and returns it.
// nonce, if not empty, must be the token's (browser flow).
func (c *Client) token(ctx context.Context, tok *oauth2.Token, nonce string) (*Token, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "the OIDC issuer returned no ID token (was the openid scope refused?)")
	}
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, &tether.Error{Code: tether.EUNAUTHORIZED, Op: "oidc.token",
			Message: "the OIDC issuer returned an ID token that does not verify", Err: err}
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "the OIDC issuer returned an ID token for another login (nonce mismatch)")
	}
	var claims struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	_ = idt.Claims(&claims)
	return &Token{IDToken: raw, RefreshToken: tok.RefreshToken, Expiry: idt.Expiry,
		Email: claims.Email, Name: claims.Name}, nil
}

// exchangeError maps a failed token request: a refusal by the issuer is
// EUNAUTHORIZED, with the OAuth error code (never a token) in the message;
// anything else is EUNAVAILABLE.
func exchangeError(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := "the OIDC issuer refused the " + what
		if re.ErrorCode != "" {
			msg += " (" + re.ErrorCode + ")"
		}
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: "oidc." + what, Message: msg, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: "oidc." + what,
			Message: "the " + what + " timed out", Err: err}
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: "oidc." + what,
		Message: "cannot reach the OIDC issuer for the " + what, Err: err}
}
