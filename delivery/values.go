package delivery

import (
	"encoding/base64"

	"github.com/tether-ml/tether"
)

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
	for _, p := range t.SecretParameters(&c.Spec) {
		if v := c.Spec.Parameters[p.Name]; v != "" {
			add(v, p.Base64)
		}
	}
	return out
}
