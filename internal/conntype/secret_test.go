package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// Secrets that break every rule a secret can break, each with a distinctive
// random-looking part.
const (
	notB64    = "Zq7xK9vBw3Jt!" // not base64
	notKey    = "-----BEGIN OPENSSH PRIVATE KEY-----\nQxZ9wVb7KpTj\n-----END OPENSSH PRIVATE KEY-----\n"
	notJSON   = "Qx7zW9vKbTp{"                  // gcs key that is not JSON
	notSAS    = "https://Wq8zXv3Kb.invalid/Tz4" // SAS URL without query
	notURL    = "Tz4qW8xKvB?sig=Vb7KpTjQx"      // SAS without endpoint
	badToken  = "Kq9XzW7vbT%%"                  // sessionToken not base64
	badHost   = "Xq7WzK9vTb ssh-ed25519 AAAAnotakey"
	unusedKey = "Wz8QxK7vTb" // a secret in a field the type does not use
)

// leakyConns returns connections carrying the secrets above where they
// break a rule.
func leakyConns(t *testing.T) []*tether.Connection {
	return []*tether.Connection{
		withSpec(t, "s3", func(s *tether.ConnectionSpec) {
			s.KeyID, s.KeySecret = notB64, tether.Mask
			s.Parameters = tether.Params{"sessionToken": badToken, "endpoint": "http://" + notB64}
			s.Password = tether.Secret(b64(unusedKey))
		}),
		withSpec(t, "gcs", func(s *tether.ConnectionSpec) { s.KeySecret = tether.Secret(b64(notJSON)) }),
		withSpec(t, "azureblob", func(s *tether.ConnectionSpec) { s.KeySecret = tether.Secret(b64(notSAS)) }),
		withSpec(t, "azureblob", func(s *tether.ConnectionSpec) { s.KeySecret = tether.Secret(b64(notURL)) }),
		withSpec(t, "git", func(s *tether.ConnectionSpec) {
			s.KeySecret, s.PublicKey = tether.Secret(b64(notKey)), b64(badHost)
		}),
		withSpec(t, "git", func(s *tether.ConnectionSpec) { s.PublicKey = b64(notKey) }),
		withSpec(t, "docker", func(s *tether.ConnectionSpec) { s.Password = notB64 + "=" }),
		withSpec(t, "docker", func(s *tether.ConnectionSpec) { s.Parameters = tether.Params{"caBundle": b64(notKey)} }),
		withSpec(t, "s3", func(s *tether.ConnectionSpec) { s.Parameters = tether.Params{"caBundle": b64(notJSON)} }),
		withSpec(t, "s3", func(s *tether.ConnectionSpec) { s.Parameters = tether.Params{"caBundle": notB64} }),
		withSpec(t, "ecr", func(s *tether.ConnectionSpec) { s.KeyID, s.KeySecret = notB64, tether.Secret(notKey) }),
		withSpec(t, "ecr", func(s *tether.ConnectionSpec) { s.KeySecret = tether.Secret(b64(notJSON + "\n")) }),
	}
}

// TestNoSecretInMessages checks that no message holds a secret, its base64
// or its decoded form, nor any piece of them: 6 bytes of the secret (outside
// the public words a PEM block or a URL is made of) or 8 bytes of its
// base64.
func TestNoSecretInMessages(t *testing.T) {
	secrets := []string{notB64, notKey, notJSON, notSAS, notURL, badToken, badHost, unusedKey}
	r := conntype.New()
	for _, c := range leakyConns(t) {
		err := r.Validate(c)
		if err == nil {
			t.Fatalf("%s: Validate accepted bad secrets", c.Spec.Type)
		}
		msg := err.Error()
		for _, s := range secrets {
			if piece := sharedPiece(msg, hidePublicWords(s), 6); piece != "" {
				t.Errorf("%s: message holds %q, a piece of a secret: %s", c.Spec.Type, piece, msg)
			}
			if piece := sharedPiece(msg, b64(s), 8); piece != "" {
				t.Errorf("%s: message holds %q, a piece of a secret's base64: %s", c.Spec.Type, piece, msg)
			}
		}
	}
}

// withSpec returns a valid connection of type typ changed by mut.
func withSpec(t *testing.T, typ string, mut func(s *tether.ConnectionSpec)) *tether.Connection {
	c := validConn(t, typ)
	mut(&c.Spec)
	return c
}

// hidePublicWords blanks the parts of s that are not secret (PEM armour,
// key type names, URL syntax) and that messages may well mention.
func hidePublicWords(s string) string {
	for _, w := range []string{"-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----",
		"ssh-ed25519", "https://", "?sig=", ".invalid/"} {
		s = strings.ReplaceAll(s, w, "\x00")
	}
	return s
}

// sharedPiece returns a substring of secret of n bytes, not blanked, found
// in msg, or "".
func sharedPiece(msg, secret string, n int) string {
	for i := 0; i+n <= len(secret); i++ {
		piece := secret[i : i+n]
		if !strings.Contains(piece, "\x00") && strings.Contains(msg, piece) {
			return piece
		}
	}
	return ""
}
