package oidc

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tether-ml/tether"
)

// maxTokenLen bounds the tokens that are decoded at all: ID tokens are a
// few kilobytes, even with many groups.
const maxTokenLen = 64 << 10

// peeked is what a JWT says about itself before anything is verified: it
// only routes the token (is it this issuer's?) and picks the messages of
// early rejections.
type peeked struct {
	Header header
	Issuer string
	// Claims are the claims checked early; ClaimsOK is false if they are
	// malformed (the token is still this issuer's, and is rejected).
	Claims    unverified
	ClaimsOK  bool
	Signature string // the third segment, for the token ID
}

type header struct {
	KeyID string
	Type  string
}

// isAccessToken reports an access token in the JWT profile of RFC 9068.
func (h header) isAccessToken() bool {
	t := strings.ToLower(h.Type)
	return t == "at+jwt" || t == "application/at+jwt"
}

type unverified struct {
	Audience jwt.Audience     `json:"aud"`
	Expiry   *jwt.NumericDate `json:"exp"`
}

// expiry is the time of the exp claim; a token without one has expired.
func (u unverified) expiry() time.Time {
	if u.Expiry == nil {
		return time.Time{}
	}
	return u.Expiry.Time()
}

// peekAlgorithms are the algorithms a token may name and still be routed to
// its issuer's verifier, which refuses all but the ones it accepts with its
// own message: "none" and HMAC included.
var peekAlgorithms = []jose.SignatureAlgorithm{
	"none", jose.EdDSA, jose.HS256, jose.HS384, jose.HS512, jose.RS256, jose.RS384, jose.RS512,
	jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512,
}

// peek decodes the header and claims of a compact JWS without verifying
// anything; ok is false for anything that is not one.
func peek(token string) (*peeked, bool) {
	if len(token) > maxTokenLen {
		return nil, false
	}
	tok, err := jwt.ParseSigned(token, peekAlgorithms)
	if err != nil {
		return nil, false
	}
	var iss struct {
		Issuer string `json:"iss"`
	}
	if tok.UnsafeClaimsWithoutVerification(&iss) != nil {
		return nil, false
	}
	h := tok.Headers[0]
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	p := &peeked{Header: header{KeyID: h.KeyID, Type: typ}, Issuer: iss.Issuer}
	p.Signature = token[strings.LastIndexByte(token, '.')+1:]
	p.ClaimsOK = tok.UnsafeClaimsWithoutVerification(&p.Claims) == nil
	return p, true
}

// identity reads the caller's name and groups from the verified claims.
// The caller is always a "user:" subject (tether.UserSubject): no claim
// can name one of Tether's built-in identities.
func (v *Verifier) identity(idt *gooidc.IDToken, p *peeked) (*tether.Identity, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, unauthorized("OIDC token claims cannot be read", err)
	}
	name, ok := claims[v.cfg.UsernameClaim].(string)
	if !ok || name == "" || !printable(name) {
		return nil, unauthorized("OIDC token has no usable "+v.cfg.UsernameClaim+" claim to name the user", nil)
	}
	subject, err := tether.UserSubject(name)
	if err != nil {
		return nil, unauthorized("OIDC token's "+v.cfg.UsernameClaim+" claim cannot name a user: "+tether.ErrorMessage(err), nil)
	}
	if v.cfg.UsernameClaim == "email" && isFalse(claims["email_verified"]) {
		return nil, unauthorized("OIDC token's email is not verified by the issuer", nil)
	}
	groups, ok := groupList(claims[v.cfg.GroupsClaim])
	if !ok {
		return nil, unauthorized("OIDC token's "+v.cfg.GroupsClaim+" claim is not a list of names", nil)
	}
	id := &tether.Identity{Subject: subject, Method: tether.MethodOIDC, TokenID: tokenID(claims, p.Signature)}
	for _, g := range groups {
		id.Groups = append(id.Groups, "group:"+g)
	}
	return id, nil
}

// groupList reads a groups claim: absent, one name, or a list of names.
// Empty names are dropped; anything else makes the claim unusable.
func groupList(c any) ([]string, bool) {
	var out []string
	switch c := c.(type) {
	case nil:
		return nil, true
	case string:
		c = strings.TrimSpace(c)
		if c != "" {
			out = append(out, c)
		}
		return out, printable(c)
	case []any:
		for _, g := range c {
			s, ok := g.(string)
			if !ok || !printable(s) {
				return nil, false
			}
			if s != "" {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

// isFalse reports a claim that is false, as a boolean or (as some
// issuers send it) a string.
func isFalse(c any) bool {
	switch c := c.(type) {
	case bool:
		return !c
	case string:
		return strings.EqualFold(c, "false")
	}
	return false
}

// printable rejects control characters, which would let a claim forge
// lines in logs and audit records.
func printable(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// tokenID names the token for audit without revealing it: its jti when the
// issuer sets one, else a short hash of its signature, which is unique per
// token and useless to forge one.
func tokenID(claims map[string]any, signature string) string {
	if jti, ok := claims["jti"].(string); ok && jti != "" && printable(jti) && len(jti) <= 128 {
		return "oidc:" + jti
	}
	sum := sha256.Sum256([]byte(signature))
	return "oidc:" + hex.EncodeToString(sum[:12])
}
