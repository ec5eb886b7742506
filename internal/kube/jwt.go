package kube

import (
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// maxTokenBytes bounds the tokens sent for review; Kubernetes tokens are
// about 1 KB.
const maxTokenBytes = 16 << 10

// signatureAlgorithms are the JWS algorithms a token may name to be worth
// a review: every signing algorithm, never "none".
var signatureAlgorithms = []jose.SignatureAlgorithm{
	jose.EdDSA, jose.HS256, jose.HS384, jose.HS512, jose.RS256, jose.RS384, jose.RS512,
	jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512,
}

// jwtClaims are the claims of a JWT read WITHOUT verifying it: only to
// decide whether a token is worth sending to the API server, and to keep a
// cached review no longer than the token lives. Never to trust it.
type jwtClaims struct {
	Issuer string           `json:"iss"`
	Expiry *jwt.NumericDate `json:"exp"` // nil if absent
}

// expiry returns when the token says it expires, or the zero time.
func (c jwtClaims) expiry() time.Time {
	if c.Expiry == nil || *c.Expiry <= 0 {
		return time.Time{}
	}
	return c.Expiry.Time()
}

// peekJWT reports whether token looks like a signed JWT with an issuer
// (a compact JWS with a signature, whose header names a signing algorithm
// and whose payload has "iss") and returns its claims, unverified.
func peekJWT(token string) (jwtClaims, bool) {
	var c jwtClaims
	if len(token) > maxTokenBytes || strings.HasSuffix(token, ".") {
		return c, false // too long, or no signature
	}
	tok, err := jwt.ParseSigned(token, signatureAlgorithms)
	if err != nil || tok.UnsafeClaimsWithoutVerification(&c) != nil || c.Issuer == "" {
		return jwtClaims{}, false
	}
	return c, true
}
