package service

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/tether-ml/tether"
)

// paramPrefix prefixes secret parameters in a sealed payload, so they cannot
// collide with the typed fields.
const paramPrefix = "parameters."

// aad binds a sealed payload to its record: a blob copied to another record
// does not open.
func aad(ns, id string) []byte { return []byte(ns + "/" + id) }

// splitSecrets moves every secret value of spec (as the type's schema and the
// Secret-typed fields declare) into a map, leaving Mask in its place, so that
// the stored spec says which secrets are set without holding any.
func splitSecrets(spec *tether.ConnectionSpec, t *tether.ConnectionType) map[string]string {
	secrets := map[string]string{}
	for _, name := range secretFields(t) {
		if p := spec.Field(name); *p != "" {
			secrets[name] = *p
			*p = tether.Mask
		}
	}
	for _, prm := range t.SecretParameters(spec) {
		if v := spec.Parameters[prm.Name]; v != "" {
			secrets[paramPrefix+prm.Name] = v
			spec.Parameters[prm.Name] = tether.Mask
		}
	}
	return secrets
}

// secretFields lists the typed fields that are secret: the schema's, and
// always the Secret-typed ones, so a schema mistake cannot store a
// password in the clear.
func secretFields(t *tether.ConnectionType) []string {
	names := []string{"password", "keyID", "keySecret"}
	for _, f := range t.Fields {
		if f.Secret && f.Name != "password" && f.Name != "keyID" && f.Name != "keySecret" {
			names = append(names, f.Name)
		}
	}
	return names
}

// fillSecrets puts revealed values back into a spec read from a record.
func fillSecrets(spec *tether.ConnectionSpec, secrets map[string]string) {
	for k, v := range secrets {
		if name, ok := strings.CutPrefix(k, paramPrefix); ok {
			if spec.Parameters == nil {
				spec.Parameters = tether.Params{}
			}
			spec.Parameters[name] = v
		} else if p := spec.Field(k); p != nil {
			*p = v
		}
	}
}

// toConnection builds the masked connection of a record.
func toConnection(r *tether.Record) (*tether.Connection, error) {
	c := &tether.Connection{Kind: tether.Kind, Namespace: r.Namespace, ID: r.ID}
	if err := json.Unmarshal(r.Spec, &c.Spec); err != nil {
		return nil, tether.Internal("service.toConnection", err)
	}
	created, updated := r.CreatedAt, r.UpdatedAt
	c.Status = tether.ConnectionStatus{CreatedAt: &created, UpdatedAt: &updated, Version: r.Version}
	if r.Expiry != nil {
		e := *r.Expiry
		c.Status.Expiry = &e
	}
	if r.LastTest != nil {
		c.Status.LastTest = new(tether.ProbeResult)
		if err := json.Unmarshal(r.LastTest, c.Status.LastTest); err != nil {
			return nil, tether.Internal("service.toConnection", err)
		}
	}
	return c, nil
}

// now returns the time as stores keep it: UTC, microsecond precision.
func now(clock func() time.Time) time.Time {
	return clock().UTC().Truncate(time.Microsecond)
}
