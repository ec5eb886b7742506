package conntype

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tether-ml/tether"
)

// The helpers the types' Airflow and Polyaxon forms share.

// extraString returns the string at path in an Airflow extra (nested
// objects, e.g. service_config, s3, bucket_name), or "".
func extraString(extra map[string]any, path ...string) string {
	var v any = extra
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// extraValue is extraString, but also takes numbers and booleans, as
// Airflow's hooks do, in their JSON text.
func extraValue(extra map[string]any, path ...string) string {
	var v any = extra
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// nest sets extra[path...] = v, creating the objects on the way, when v
// is not empty.
func nest(extra map[string]any, v any, path ...string) {
	if s, ok := v.(string); ok && s == "" {
		return
	}
	m := extra
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// setParam sets spec.parameters[name] = v when v is not empty.
func setParam(s *tether.ConnectionSpec, name, v string) {
	if v == "" {
		return
	}
	if s.Parameters == nil {
		s.Parameters = tether.Params{}
	}
	s.Parameters[name] = v
}

// formError is the EINVALID error of a form that cannot map a connection:
// what names the connection's side ("the Airflow connection", "the
// Polyaxon schema"), msg what it lacks. It never holds a value.
func formError(what, msg string) error {
	return tether.Errorf(tether.EINVALID, "%s %s", what, msg)
}

// schemaString returns a Polyaxon schema's string key, or why it is not
// one.
func schemaString(schema map[string]any, key string) (string, error) {
	v, ok := schema[key].(string)
	if !ok || v == "" {
		return "", formError("the Polyaxon schema", "needs "+key+" (a string)")
	}
	if msg := tether.TextProblem(v, 0); msg != "" {
		return "", formError("the Polyaxon schema", key+" "+msg)
	}
	return v, nil
}

// bucketURI maps a Polyaxon bucket ("s3://bucket/path") to a uri with one
// of the schemes given (the first is the one written), refusing others.
func bucketURI(schema map[string]any, schemes ...string) (string, error) {
	b, err := schemaString(schema, "bucket")
	if err != nil {
		return "", err
	}
	for _, s := range schemes {
		if rest, ok := strings.CutPrefix(b, s+"://"); ok {
			return schemes[0] + "://" + rest, nil
		}
	}
	return "", formError("the Polyaxon schema", "bucket must start with "+schemes[0]+"://")
}

// FromAirflow returns the spec of the Tether connection that a describes:
// the types whose Airflow form lists a's conn_type are tried in the order
// New declares them, and the first whose From reads a wins (an aws
// connection naming a bucket is s3; one without is left to a type of
// cloud credentials). A conn_type no type lists is EINVALID, naming it.
func (r *Registry) FromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	var first error
	for _, t := range r.declared {
		if t.Airflow == nil || t.Airflow.From == nil || !slices.Contains(t.Airflow.ConnTypes, a.ConnType) {
			continue
		}
		s, err := t.Airflow.From(a)
		if err == nil {
			return s, nil
		}
		if first == nil {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	return nil, tether.Errorf(tether.EINVALID, "Airflow conn_type %s has no Tether type (types read from Airflow: %s)",
		quoted(a.ConnType), strings.Join(r.airflowConnTypes(), ", "))
}

// airflowConnTypes lists the conn_types some type imports, sorted.
func (r *Registry) airflowConnTypes() []string {
	var out []string
	for _, t := range r.declared {
		if t.Airflow != nil && t.Airflow.From != nil {
			for _, ct := range t.Airflow.ConnTypes {
				if !slices.Contains(out, ct) {
					out = append(out, ct)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// ToAirflow returns c, valid and revealed (or delivered), in Airflow's
// model; EINVALID if its type has no Airflow form.
func (r *Registry) ToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	t := r.types[c.Spec.Type]
	if t == nil || t.Airflow == nil || t.Airflow.To == nil {
		return nil, tether.Errorf(tether.EINVALID, "connection %q has type %s, which has no Airflow form", c.ID, quoted(c.Spec.Type))
	}
	return t.Airflow.To(c)
}

// FromPolyaxon returns the spec of a Polyaxon connection entry, its
// secret and configMap references kept. The type is the one named as
// p.Kind, else the first declared whose Polyaxon form has that kind and
// reads p's schema; a kind no type has is EINVALID, naming it.
func (r *Registry) FromPolyaxon(p *tether.PolyaxonConnection) (*tether.ConnectionSpec, error) {
	cands := r.polyaxonTypes(p.Kind)
	if len(cands) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "Polyaxon kind %s has no Tether type", quoted(p.Kind))
	}
	var first error
	for _, t := range cands {
		s := &tether.ConnectionSpec{Type: t.Name, Description: p.Description,
			SecretRef: p.Secret.Clone(), ConfigMapRef: p.ConfigMap.Clone()}
		var err error
		if t.Polyaxon != nil && t.Polyaxon.Spec != nil {
			err = t.Polyaxon.Spec(p.Schema, s)
		}
		if err == nil {
			return s, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// polyaxonTypes returns the types of a Polyaxon kind: the one named so
// first, then those whose form names it, in declared order.
func (r *Registry) polyaxonTypes(kind string) []*tether.ConnectionType {
	var out []*tether.ConnectionType
	if t := r.types[kind]; t != nil && (t.Polyaxon == nil || t.Polyaxon.Kind == kind) {
		out = append(out, t)
	}
	for _, t := range r.declared {
		if t.Polyaxon != nil && t.Polyaxon.Kind == kind && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// ToPolyaxon returns c's Polyaxon entry, named by its id, without its
// secret reference, which the caller adds.
func (r *Registry) ToPolyaxon(c *tether.Connection) (*tether.PolyaxonConnection, error) {
	t := r.types[c.Spec.Type]
	if t == nil {
		return nil, tether.Errorf(tether.EINVALID, "connection %q has an unknown type", c.ID)
	}
	p := &tether.PolyaxonConnection{Name: c.ID, Description: c.Spec.Description, Kind: t.Name,
		Secret: c.Spec.SecretRef.Clone(), ConfigMap: c.Spec.ConfigMapRef.Clone()}
	if t.Polyaxon != nil {
		p.Kind = t.Polyaxon.Kind
		if t.Polyaxon.Schema != nil {
			p.Schema = t.Polyaxon.Schema(c)
		}
	}
	return p, nil
}

// quoted quotes a name read from a file when it is printable text.
func quoted(s string) string {
	if !isToken(s, 64) {
		return "(unprintable)"
	}
	return fmt.Sprintf("%q", s)
}
