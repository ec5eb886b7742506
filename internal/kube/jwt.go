package kube

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// maxTokenBytes bounds the tokens sent for review; Kubernetes tokens are
// about 1 KB.
const maxTokenBytes = 16 << 10

// jwtClaims are the claims of a JWT read WITHOUT verifying it: only to
// decide whether a token is worth sending to the API server, and to keep a
// cached review no longer than the token lives. Never to trust it.
type jwtClaims struct {
	Issuer string  `json:"iss"`
	Expiry float64 `json:"exp"` // seconds since the epoch; 0 if absent
}

// expiry returns when the token says it expires, or the zero time.
func (c jwtClaims) expiry() time.Time {
	if c.Expiry <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(c.Expiry), 0)
}

// peekJWT reports whether token looks like a signed JWT with an issuer
// (three base64url parts: a JSON header naming an algorithm other than
// "none", a JSON payload with "iss", and a signature) and returns its
// claims, unverified.
func peekJWT(token string) (jwtClaims, bool) {
	var c jwtClaims
	if len(token) > maxTokenBytes {
		return c, false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[2] == "" {
		return c, false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if !decodePart(parts[0], &header) || header.Alg == "" || strings.EqualFold(header.Alg, "none") {
		return c, false
	}
	if !decodePart(parts[1], &c) || c.Issuer == "" {
		return c, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return c, false
	}
	return c, true
}

// decodePart decodes one base64url JSON part of a JWT into v.
func decodePart(part string, v any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	return err == nil && json.Unmarshal(raw, v) == nil
}
