package service

import (
	"crypto/subtle"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/tether-ml/tether"
)

// diffRecords names the fields that differ from record a to record b, in
// field order. The plain fields are compared in the masked specs, with
// their values; the secret ones are compared opened, and only said to
// have changed: no secret value enters the result.
func diffRecords(sealer tether.Sealer, a, b *tether.Record) ([]tether.FieldChange, error) {
	sa, err := openSealed(sealer, a)
	if err != nil {
		return nil, err
	}
	sb, err := openSealed(sealer, b)
	if err != nil {
		return nil, err
	}
	fa, err := flatSpec(a.Spec)
	if err != nil {
		return nil, err
	}
	fb, err := flatSpec(b.Spec)
	if err != nil {
		return nil, err
	}
	secret := map[string]bool{}
	for k := range sa {
		secret["spec."+k] = true
	}
	for k := range sb {
		secret["spec."+k] = true
	}
	// A secret set in one version only is masked in that one's spec.
	for k := range secret {
		delete(fa, k)
		delete(fb, k)
	}
	changes := []tether.FieldChange{}
	for _, f := range unionKeys(fa, fb, secret) {
		switch {
		case secret[f]:
			name := strings.TrimPrefix(f, "spec.")
			if !sameSecret(sa[name], sb[name]) {
				changes = append(changes, tether.FieldChange{Field: f, Secret: true})
			}
		case fa[f] != fb[f]:
			changes = append(changes, tether.FieldChange{Field: f, From: fa[f], To: fb[f]})
		}
	}
	return changes, nil
}

// sameSecret compares two secret values in constant time.
func sameSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// unionKeys returns the keys of a, b and c, sorted.
func unionKeys(a, b map[string]string, c map[string]bool) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	for k := range c {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// flatSpec flattens the JSON of a masked spec into its leaves, keyed by
// path (spec.uri, spec.parameters.endpoint), each value as JSON text.
func flatSpec(spec []byte) (map[string]string, error) {
	var v any
	if err := json.Unmarshal(spec, &v); err != nil {
		return nil, tether.Internal("service.diff", err)
	}
	out := map[string]string{}
	flatten("spec", v, out)
	return out, nil
}

// flatten adds the leaves of v under path to out.
func flatten(path string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			flatten(path+"."+k, e, out)
		}
		return
	}
	if s, ok := v.(string); ok {
		out[path] = s
		return
	}
	// A value decoded from JSON always encodes again.
	b, _ := json.Marshal(v)
	out[path] = string(b)
}
