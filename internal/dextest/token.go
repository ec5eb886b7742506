package dextest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Scopes asks for everything Tether reads, and a refresh token.
const Scopes = "openid email profile groups offline_access"

// Tokens is a token response.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// requestTimeout bounds every request of the tests to the server.
const requestTimeout = 30 * time.Second

// PasswordGrant logs u in at issuer as client c with the resource owner
// password grant, which the test server allows, and returns the tokens.
func PasswordGrant(ctx context.Context, issuer string, c Client, u User, scopes string) (*Tokens, error) {
	endpoint, err := tokenEndpoint(ctx, issuer)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"password"}, "username": {u.Email}, "password": {u.Password}, "scope": {scopes}}
	if c.Secret == "" {
		form.Set("client_id", c.ID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.Secret != "" {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	var tok Tokens
	if err := do(req, &tok); err != nil {
		return nil, fmt.Errorf("password grant for %s as %s: %w", u.Email, c.ID, err)
	}
	if tok.IDToken == "" {
		return nil, fmt.Errorf("password grant for %s as %s: no id_token", u.Email, c.ID)
	}
	return &tok, nil
}

// tokenEndpoint reads the issuer's token endpoint from its discovery
// document.
func tokenEndpoint(ctx context.Context, issuer string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return "", err
	}
	var doc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := do(req, &doc); err != nil {
		return "", fmt.Errorf("discovery of %s: %w", issuer, err)
	}
	return doc.TokenEndpoint, nil
}

// do sends req and decodes its JSON answer into v; a status other than
// 200 is an error carrying the body (the server's error, not a token).
func do(req *http.Request, v any) error {
	resp, err := (&http.Client{Timeout: requestTimeout}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, body)
	}
	return json.Unmarshal(body, v)
}
