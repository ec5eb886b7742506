package delivery_test

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/delivery"
)

// The masked forms: the value, its base64 forms and its URL encodings.
func TestMaskValuesCoverEncodings(t *testing.T) {
	c := s3Conn(t, "data", "AKIAEXAMPLE", "se/cr+et=value")
	values := delivery.MaskValues(types, []*tether.Connection{c}, nil)
	secret := "se/cr+et=value"
	out := mask(t, values, []string{
		"raw " + secret,
		"std " + base64.StdEncoding.EncodeToString([]byte(secret)),
		"url " + base64.URLEncoding.EncodeToString([]byte(secret)),
		"raw-url " + base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"query " + url.QueryEscape(secret),
		"path " + url.PathEscape(secret),
		"posted " + string(c.Spec.KeySecret),
		"id AKIAEXAMPLE",
	})
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if name, rest, _ := strings.Cut(line, " "); rest != delivery.Mask {
			t.Errorf("%s form not masked: %q", name, line)
		}
	}
}

// docker's config.json auth is base64("user:password"), which is no
// encoding of the password alone: the renderer declares it.
func TestMaskValuesCoverDerived(t *testing.T) {
	c := dockerConn(t, "hub", "docker.io", "alice", "pw-alice")
	b, err := delivery.Bundle(types, []*tether.Connection{c}, "/run/t")
	if err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("alice:pw-alice"))
	out := mask(t, delivery.MaskValues(types, []*tether.Connection{c}, b.Derived), []string{`"auth": "` + auth + `"`})
	if out != `"auth": "*****"` {
		t.Errorf("got %q", out)
	}
}

// A multi-line secret printed line by line is masked line by line.
func TestMaskValuesCoverLines(t *testing.T) {
	values := delivery.MaskValues(types, nil, []string{"-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\nEEEEFFFFGGGG\n-----END KEY-----"})
	out := mask(t, values, []string{"line: AAAABBBBCCCCDDDD", "line: EEEEFFFFGGGG"})
	if out != "line: *****\nline: *****" {
		t.Errorf("got %q", out)
	}
}

// Values split across writes, one byte at a time, are still masked; the
// longer of two overlapping values wins; text that only looks like the
// start of a value is released intact at Flush.
func TestMaskerAcrossWrites(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a SECRET b", "a ***** b"},
		{"SECRETSECRET", "**********"},
		{"SECRET-LONGER!", "*****!"},
		{"tail SECR", "tail SECR"},
		{"SSSECRET", "SS*****"},
		{"", ""},
	} {
		var out bytes.Buffer
		m := delivery.NewMasker(&out, []string{"SECRET", "SECRET-LONGER"})
		for i := range len(tc.in) {
			if _, err := m.Write([]byte{tc.in[i]}); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Flush(); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, out.String(), tc.want)
		}
	}
}

// mask writes lines through a Masker of values, in odd-sized chunks.
func mask(t *testing.T, values []string, lines []string) string {
	t.Helper()
	var out bytes.Buffer
	m := delivery.NewMasker(&out, values)
	in := []byte(strings.Join(lines, "\n"))
	for len(in) > 0 {
		n := min(7, len(in))
		if _, err := m.Write(in[:n]); err != nil {
			t.Fatal(err)
		}
		in = in[n:]
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func BenchmarkMasker(b *testing.B) {
	values := delivery.MaskValues(types, nil, []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
	line := []byte(strings.Repeat("epoch 12 loss 0.1234 accuracy 0.98 s3://bucket/path/to/object ", 16) + "\n")
	m := delivery.NewMasker(discard{}, values)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		_, _ = m.Write(line)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// A custom connection's parameters that secretKeys names are masked; the
// others are not.
func TestMaskValuesCoverSecretKeys(t *testing.T) {
	c := &tether.Connection{ID: "feat", Spec: tether.ConnectionSpec{Type: "custom", URI: "https://features.example.com",
		Parameters: tether.Params{"API_TOKEN": "tok-3f9a2c", "PROJECT": "churn"}, SecretKeys: []string{"API_TOKEN"}}}
	out := mask(t, delivery.MaskValues(types, []*tether.Connection{c}, nil), []string{"token tok-3f9a2c", "project churn"})
	if out != "token *****\nproject churn" {
		t.Errorf("got %q", out)
	}
}
