package conntype_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// compileSchema compiles the JSON Schema of t's spec with a real JSON
// Schema implementation, which first checks it against the draft 2020-12
// meta-schema, asserting formats and content encodings.
func compileSchema(t *testing.T, ts *tether.TypeSchema) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ts.Schema))
	if err != nil {
		t.Fatalf("%s: schema is not JSON: %v", ts.Name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.AssertContent()
	url := "https://tether.example/connection-types/" + ts.Name
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("%s: %v", ts.Name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: schema does not compile: %v", ts.Name, err)
	}
	return s
}

// agree checks that the JSON Schema and the server's validation both
// accept spec, or both refuse it.
func agree(t *testing.T, r *conntype.Registry, s *jsonschema.Schema, name string, spec *tether.ConnectionSpec, valid bool) {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	schemaErr := s.Validate(inst)
	c := &tether.Connection{Kind: tether.Kind, ID: "example", Spec: *spec}
	serverErr := r.Validate(c.Clone())
	if (schemaErr == nil) != valid || (serverErr == nil) != valid {
		t.Errorf("%s: want valid=%v; JSON Schema says %v; server says %v", name, valid, schemaErr, serverErr)
	}
}

// TestTypeSchemas checks every type's JSON Schema against the server's own
// validation: both accept the type's example, and both refuse it without
// each required field, with an unknown parameter, with a field the type
// does not use, and with a value outside a parameter's enum.
func TestTypeSchemas(t *testing.T) {
	r := conntype.New()
	for _, typ := range r.Types() {
		t.Run(typ.Name, func(t *testing.T) {
			ts := conntype.Schema(typ)
			s := compileSchema(t, ts)
			if typ.Example == nil || typ.URI == "" || typ.Group == "" {
				t.Fatalf("type %s declares no example, uri or group: clients build forms from them", typ.Name)
			}
			if !slices.Contains(tether.Groups, typ.Group) {
				t.Errorf("group %q is not one of %v", typ.Group, tether.Groups)
			}
			example := func() *tether.ConnectionSpec {
				c := &tether.Connection{Spec: *typ.Example}
				c.Spec.Type = typ.Name
				return &c.Clone().Spec
			}
			agree(t, r, s, "example", example(), true)
			for _, m := range schemaMutations(typ) {
				spec := example()
				m.mut(spec)
				agree(t, r, s, m.name, spec, false)
			}
		})
	}
}

type mutation struct {
	name string
	mut  func(*tether.ConnectionSpec)
}

// schemaMutations are the changes of a valid spec of typ that both the JSON
// Schema and the server must refuse, derived from typ's declaration.
func schemaMutations(typ *tether.ConnectionType) []mutation {
	ms := []mutation{{"no uri", func(s *tether.ConnectionSpec) { s.URI = "" }}}
	if !typ.FreeParameters {
		ms = append(ms, mutation{"unknown parameter", func(s *tether.ConnectionSpec) {
			if s.Parameters == nil {
				s.Parameters = tether.Params{}
			}
			s.Parameters["noSuchParameter"] = "x"
		}})
	}
	for _, name := range tether.TypedFields {
		f := typ.Field(name)
		switch {
		case f == nil:
			ms = append(ms, mutation{name + " not used", func(s *tether.ConnectionSpec) { *s.Field(name) = "eA==" }})
		case f.Required:
			ms = append(ms, mutation{"no " + name, func(s *tether.ConnectionSpec) { *s.Field(name) = "" }})
		}
	}
	for _, p := range typ.Parameters {
		if p.Format == tether.FormatEnum || p.Format == tether.FormatBool {
			ms = append(ms, mutation{p.Name + " outside its values", func(s *tether.ConnectionSpec) {
				if s.Parameters == nil {
					s.Parameters = tether.Params{}
				}
				s.Parameters[p.Name] = "not-one-of-them"
			}})
		}
		if p.Required {
			ms = append(ms, mutation{"no " + p.Name, func(s *tether.ConnectionSpec) { delete(s.Parameters, p.Name) }})
		}
	}
	return ms
}

// TestTypeSchemaSecrets checks that every secret the declaration names is
// listed and marked writeOnly, and nothing else is.
func TestTypeSchemaSecrets(t *testing.T) {
	for _, typ := range conntype.New().Types() {
		ts := conntype.Schema(typ)
		var doc struct {
			Properties map[string]struct {
				WriteOnly  bool `json:"writeOnly"`
				Properties map[string]struct {
					WriteOnly bool `json:"writeOnly"`
				} `json:"properties"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(ts.Schema, &doc); err != nil {
			t.Fatal(err)
		}
		var writeOnly []string
		for name, p := range doc.Properties {
			if p.WriteOnly {
				writeOnly = append(writeOnly, name)
			}
		}
		for name, p := range doc.Properties["parameters"].Properties {
			if p.WriteOnly {
				writeOnly = append(writeOnly, "parameters."+name)
			}
		}
		slices.Sort(writeOnly)
		want := slices.Sorted(slices.Values(ts.Secrets))
		if !slices.Equal(writeOnly, want) {
			t.Errorf("%s: writeOnly %v, secrets %v", typ.Name, writeOnly, want)
		}
		for _, f := range typ.Fields {
			if f.Secret != slices.Contains(ts.Secrets, f.Name) {
				t.Errorf("%s: field %s secret=%v, listed=%v", typ.Name, f.Name, f.Secret, !f.Secret)
			}
		}
	}
}
