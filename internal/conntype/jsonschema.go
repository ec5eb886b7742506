package conntype

import (
	"encoding/json"
	"slices"

	"github.com/tether-ml/tether"
)

// jsonSchemaDraft is the JSON Schema dialect of the types' schemas.
const jsonSchemaDraft = "https://json-schema.org/draft/2020-12/schema"

// Schema returns t as clients see it: its facts and the JSON Schema of its
// spec, both read from its declaration.
func Schema(t *tether.ConnectionType) *tether.TypeSchema {
	s := &tether.TypeSchema{
		Name: t.Name, Group: t.Group, Description: t.Description, URI: t.URI,
		Secrets: secretPaths(t), Test: t.Probe != nil, ShortLived: t.Exchange != nil,
		PolyaxonKind: t.Name,
	}
	for _, f := range t.Formats {
		s.Formats = append(s.Formats, f.Name)
	}
	if t.Airflow != nil {
		s.AirflowConnTypes = slices.Clone(t.Airflow.ConnTypes)
	}
	if t.Polyaxon != nil && t.Polyaxon.Kind != "" {
		s.PolyaxonKind = t.Polyaxon.Kind
	}
	// A map of strings, slices and maps of the same always marshals.
	s.Schema, _ = json.Marshal(specSchema(t))
	return s
}

// secretPaths lists the spec paths of t's secret fields and parameters.
func secretPaths(t *tether.ConnectionType) []string {
	out := []string{}
	for _, f := range t.Fields {
		if f.Secret {
			out = append(out, f.Name)
		}
	}
	for _, p := range t.Parameters {
		if p.Secret {
			out = append(out, "parameters."+p.Name)
		}
	}
	return out
}

// object is a JSON Schema object.
type object = map[string]any

// specSchema is the JSON Schema of a spec of type t. What every type shares
// (uri, description, the references) comes first; the typed fields and
// parameters follow t's declaration. A required secret is required only
// when no Secret reference holds the credentials instead.
func specSchema(t *tether.ConnectionType) object {
	props := object{
		"type":        object{"const": t.Name, "description": "The connection type"},
		"uri":         nonEmpty(stringSchema(uriDescription(t))),
		"description": stringSchema("What the connection is for, shown to its users"),
		"webUILink":   object{"type": "string", "format": "uri", "description": "A page about the target, for people"},
		"vital":       object{"type": "boolean", "description": "A vital connection cannot be deleted"},
		"secret":      refSchema("Secret"),
		"configMap":   refSchema("ConfigMap"),
		"parameters":  paramsSchema(t),
	}
	required, secretRequired := []string{"type", "uri"}, []string{}
	for _, name := range tether.TypedFields {
		f := t.Field(name)
		if f == nil {
			props[name] = object{"type": "string", "maxLength": 0, "description": "Not used by type " + t.Name}
			continue
		}
		props[name] = fieldSchema(f.Description, f.Secret, f.Base64)
		if f.Required && !f.Secret {
			nonEmpty(props[name].(object))
		}
		switch {
		case f.Required && f.Secret:
			secretRequired = append(secretRequired, name)
		case f.Required:
			required = append(required, name)
		}
	}
	if slices.ContainsFunc(t.Parameters, func(p tether.Parameter) bool { return p.Required }) {
		required = append(required, "parameters")
	}
	if t.FreeParameters {
		props["secretKeys"] = object{"type": "array", "items": object{"type": "string"}, "uniqueItems": true,
			"description": "The parameters whose values are secret"}
	}
	s := object{
		"$schema": jsonSchemaDraft, "title": t.Name, "description": t.Description,
		"type": "object", "properties": props, "required": required, "additionalProperties": false,
	}
	if len(secretRequired) > 0 {
		set := object{}
		for _, name := range secretRequired {
			set[name] = object{"minLength": 1}
		}
		s["anyOf"] = []any{object{"required": secretRequired, "properties": set}, object{"required": []string{"secret"}}}
	}
	if t.Example != nil {
		ex := *t.Example
		ex.Type = t.Name
		s["examples"] = []any{ex}
	}
	return s
}

// uriDescription describes spec.uri for t.
func uriDescription(t *tether.ConnectionType) string {
	if t.URI == "" {
		return "Where the connection leads"
	}
	return t.URI
}

// nonEmpty makes s refuse an empty string: the server takes an empty
// value for an unset one, so a required value must have a character.
func nonEmpty(s object) object {
	s["minLength"] = 1
	return s
}

func stringSchema(desc string) object {
	return object{"type": "string", "description": desc}
}

// fieldSchema is the schema of one typed field or parameter value.
func fieldSchema(desc string, secret, b64 bool) object {
	s := stringSchema(desc)
	if secret {
		s["writeOnly"] = true
	}
	if b64 {
		s["contentEncoding"] = "base64"
	}
	return s
}

// paramsSchema is the schema of spec.parameters: the declared parameters
// with their formats, and any other key when t's parameters are free.
func paramsSchema(t *tether.ConnectionType) object {
	props, required := object{}, []string{}
	for _, p := range t.Parameters {
		s := fieldSchema(p.Description, p.Secret, p.Base64)
		switch p.Format {
		case tether.FormatURL:
			s["format"] = "uri"
		case tether.FormatBool:
			s["enum"] = []string{"true", "false"}
		case tether.FormatEnum:
			s["enum"] = p.Enum
		}
		props[p.Name] = s
		if p.Required {
			nonEmpty(s)
			required = append(required, p.Name)
		}
	}
	s := object{"type": "object", "properties": props, "additionalProperties": false,
		"description": "The type's own settings"}
	if t.FreeParameters {
		s["additionalProperties"] = object{"type": "string"}
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// refSchema is the schema of a reference to an existing Kubernetes object
// of the given kind (spec.secret, spec.configMap).
func refSchema(kind string) object {
	return object{
		"type":        "object",
		"description": "An existing Kubernetes " + kind + " in the receiving namespace that holds the connection's settings instead",
		"properties": object{
			"name":      stringSchema("The " + kind + "'s name"),
			"mountPath": stringSchema("Where to mount its keys as files; without it they become environment variables"),
			"items": object{"type": "array", "items": object{"type": "string"}, "uniqueItems": true,
				"description": "The only keys delivered"},
		},
		"required": []string{"name"}, "additionalProperties": false,
	}
}
