package tether

import (
	"fmt"
	"io"
	"log/slog"
)

// Mask is what a secret value reads as when it is not revealed (Odahu's mask).
const Mask = "*****"

// Secret is a secret value as it travels on the wire (for the standard
// fields, base64 exactly as the user posted it). It redacts itself in fmt
// and slog output, so a Secret printed or logged by mistake shows Mask.
// JSON encoding emits the value: the service masks connections explicitly
// before they leave it, unless the caller asked for, and may have, the
// revealed form.
type Secret string

// Reveal returns the secret value. Calls to it are the places to review.
func (s Secret) Reveal() string { return string(s) }

// String redacts the value.
func (s Secret) String() string { return redacted(string(s)) }

// GoString redacts the value for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", redacted(string(s))) }

// Format redacts the value for every fmt verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted(string(s))) }

// LogValue redacts the value in structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted(string(s))) }

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return Mask
}

// Params holds a connection's typed per-type parameters. Some of them are
// secret (the type's schema says which), so Params redacts every value in
// fmt and slog output; the keys stay visible.
type Params map[string]string

// Format prints the keys with redacted values.
func (p Params) Format(f fmt.State, _ rune) {
	m := make(map[string]string, len(p))
	for k, v := range p {
		m[k] = redacted(v)
	}
	_, _ = fmt.Fprint(f, m)
}

// LogValue redacts the values in structured logs.
func (p Params) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(p)) }

// LogValue logs the spec with its secrets redacted: structured-log handlers
// encode structs with encoding/json, which would otherwise emit the values.
func (s ConnectionSpec) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", s.Type), slog.String("uri", s.URI), slog.String("username", s.Username),
		slog.Any("password", s.Password), slog.String("region", s.Region),
		slog.Any("keyID", s.KeyID), slog.Any("keySecret", s.KeySecret),
		slog.Bool("vital", s.Vital), slog.Any("parameters", s.Parameters))
}

// LogValue logs the connection with its secrets redacted.
func (c Connection) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.Any("spec", c.Spec), slog.Int64("version", c.Status.Version))
}
