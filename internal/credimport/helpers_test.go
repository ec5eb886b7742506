package credimport_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// b64 is the standard base64 of s, the wire form of a secret.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// unb64 decodes a wire-form secret, failing t if it is not base64.
func unb64(t *testing.T, s tether.Secret) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.Reveal())
	if err != nil {
		t.Fatalf("secret is not base64: %v", err)
	}
	return string(b)
}

// writeFile writes data to name in dir and returns the path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantInvalid fails t unless err is EINVALID, its safe message holds every
// fragment, and its full text holds none of the secrets.
func wantInvalid(t *testing.T, err error, fragments, secrets []string) {
	t.Helper()
	if code := tether.ErrorCode(err); code != tether.EINVALID {
		t.Fatalf("error %v has code %q, want %q", err, code, tether.EINVALID)
	}
	msg := tether.ErrorMessage(err)
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("message %q does not contain %q", msg, f)
		}
	}
	noSecrets(t, err.Error(), secrets)
}

// noSecrets fails t if text holds a secret, raw or base64-encoded.
func noSecrets(t *testing.T, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(text, b64(s)) {
			t.Errorf("%q contains the secret %q", text, s)
		}
	}
}

// mustValidate fails t unless the type registry accepts every connection.
func mustValidate(t *testing.T, list []*tether.Connection) {
	t.Helper()
	reg := conntype.New()
	for _, c := range list {
		if err := reg.Validate(c); err != nil {
			t.Errorf("imported connection %q is invalid: %v", c.ID, err)
		}
	}
}
