package delivery

import (
	"encoding/base64"
	"strings"

	"github.com/tether-ml/tether"
)

// Unwritten is the directory a connection is rendered into when its files
// are not written anywhere: the variables that refer to it mean nothing,
// and ValueEnv leaves them out.
const Unwritten = "/nonexistent/tether-connection-files"

// ValueEnv returns the variables of env that do not refer to dir: those
// that carry values (keys, regions, endpoints) rather than point at the
// files of a rendering into dir (a path, or a command using one).
func ValueEnv(env map[string]string, dir string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		if !strings.Contains(v, dir) {
			out[k] = v
		}
	}
	return out
}

// SecretValues returns the values of c's set secret fields and secret
// parameters (per its type t), decoded when the schema says they are
// base64: the values as the tools that use the connection see them.
func SecretValues(t *tether.ConnectionType, c *tether.Connection) []string {
	if t == nil {
		return nil
	}
	var out []string
	add := func(v string, b64 bool) {
		if b64 {
			if d, err := base64.StdEncoding.DecodeString(v); err == nil {
				v = string(d)
			}
		}
		if v != "" {
			out = append(out, v)
		}
	}
	for _, f := range t.Fields {
		if v := c.Spec.Field(f.Name); f.Secret && v != nil && *v != "" {
			add(*v, f.Base64)
		}
	}
	for _, p := range t.Parameters {
		if v := c.Spec.Parameters[p.Name]; p.Secret && v != "" {
			add(v, p.Base64)
		}
	}
	return out
}

// ShellQuote quotes s for a POSIX shell: in single quotes, with each
// single quote in s closed, escaped and reopened.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
