package tether_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

func TestSecretsRedactThemselves(t *testing.T) {
	c := tether.Connection{ID: "x", Spec: tether.ConnectionSpec{
		Type: "s3", KeyID: "S3CRET-ID", KeySecret: "S3CRET-KEY", Password: "S3CRET-PW",
		Parameters: tether.Params{"sessionToken": "S3CRET-TOKEN", "endpoint": "http://minio"},
	}}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("conn", "conn", c, "ptr", &c, "spec", c.Spec, "key", c.Spec.KeySecret, "params", c.Spec.Parameters)
	outputs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.Spec.KeySecret, c.Spec.KeySecret, c.Spec.KeySecret),
		fmt.Sprintf("%v", c.Spec.Parameters), c.Spec.Password.String(), logs.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, "S3CRET") {
			t.Errorf("secret leaked into %q", out)
		}
	}
	if !strings.Contains(fmt.Sprint(c.Spec.KeyID), tether.Mask) {
		t.Errorf("a set secret should print as the mask")
	}
	if c.Spec.KeySecret.Reveal() != "S3CRET-KEY" {
		t.Errorf("Reveal does not return the value")
	}
	// JSON is the wire form: it carries the value (the service masks
	// connections before they leave it).
	raw, _ := json.Marshal(c.Spec)
	if !strings.Contains(string(raw), "S3CRET-KEY") {
		t.Errorf("JSON lost the value")
	}
}

func TestDecodeConnection(t *testing.T) {
	cases := []struct {
		name, in string
		problems []string // empty: must decode
	}{
		{"odahu fields", `{"kind":"Connection","id":"a","spec":{"type":"git","uri":"u","reference":"master","publicKey":"eA==","vital":true}}`, nil},
		{"status is accepted", `{"id":"a","spec":{},"status":{"version":3,"createdAt":"2024-01-01T00:00:00Z"}}`, nil},
		{"parameter scalars", `{"id":"a","spec":{"parameters":{"forcePathStyle":true,"port":9000}}}`, nil},
		{"case-different field", `{"id":"a","spec":{"keysecret":"x"}}`, []string{"spec.keysecret: unknown field"}},
		{"every unknown field", `{"id":"a","foo":1,"spec":{"bar":2},"status":{"baz":3}}`, []string{"foo", "spec.bar", "status.baz"}},
		{"wrong types", `{"id":"a","spec":{"vital":"yes"}}`, []string{"spec.vital", "boolean"}},
		{"object parameter", `{"id":"a","spec":{"parameters":{"x":{}}}}`, []string{"spec.parameters.x"}},
		{"array", `[]`, []string{"object"}},
		{"syntax", `{"id":"a",}`, []string{"syntax error"}},
		{"kind", `{"kind":"Pod","id":"a","spec":{}}`, []string{"kind"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tether.DecodeConnection([]byte(c.in))
			if len(c.problems) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if tether.ErrorCode(err) != tether.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			for _, p := range c.problems {
				if !strings.Contains(tether.ErrorMessage(err), p) {
					t.Errorf("message %q lacks %q", tether.ErrorMessage(err), p)
				}
			}
		})
	}
}

func TestErrorMessagesHideInternals(t *testing.T) {
	internal := tether.Internal("sqlite.Get", fmt.Errorf("disk I/O at /var/lib"))
	if tether.ErrorMessage(internal) != "internal error" || tether.ErrorCode(internal) != tether.EINTERNAL {
		t.Errorf("internal error exposes %q", tether.ErrorMessage(internal))
	}
	wrapped := fmt.Errorf("context: %w", tether.Errorf(tether.ENOTFOUND, "connection %q not found", "x"))
	if tether.ErrorCode(wrapped) != tether.ENOTFOUND || tether.ErrorMessage(wrapped) != `connection "x" not found` {
		t.Errorf("wrapped error: %s / %s", tether.ErrorCode(wrapped), tether.ErrorMessage(wrapped))
	}
	if tether.ErrorCode(fmt.Errorf("plain")) != tether.EINTERNAL || tether.ErrorMessage(fmt.Errorf("plain")) != "internal error" {
		t.Errorf("a plain error must read as internal")
	}
}
