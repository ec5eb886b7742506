package tether

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DecodeConnection decodes one connection from its JSON form. Unlike
// encoding/json it matches field names exactly and rejects every unknown
// field by its path (a typo such as "keysecret" is an error, never silently
// dropped), and it reports all such problems in one EINVALID error.
func DecodeConnection(data []byte) (*Connection, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, Errorf(EINVALID, "connection is empty")
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, Errorf(EINVALID, "connection is not valid JSON: %s", jsonProblem(err))
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, Errorf(EINVALID, "connection must be an object, not %s", jsonKind(raw))
	}
	var p Problems
	checkKnown(obj, reflect.TypeFor[Connection](), "", &p)
	var c Connection
	if err := json.Unmarshal(data, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			p.Add(te.Field, "must be "+describeType(te.Type)+", not "+te.Value)
		} else {
			p.Add("connection", jsonProblem(err))
		}
	}
	if c.Kind != "" && c.Kind != Kind {
		p.Add("kind", fmt.Sprintf("must be %q, not %q", Kind, c.Kind))
	}
	if err := p.Err(subjectOf(c.ID)); err != nil {
		return nil, err
	}
	return &c, nil
}

func subjectOf(id string) string {
	if id == "" {
		return "connection"
	}
	return fmt.Sprintf("connection %q", id)
}

// checkKnown reports every key of obj that is not a JSON field of t, and
// recurses into nested structs. Maps (spec.parameters) accept any key: the
// type's schema checks those.
func checkKnown(obj map[string]any, t reflect.Type, path string, p *Problems) {
	fields := jsonFields(t)
	for _, key := range sortedKeys(obj) {
		ft, ok := fields[key]
		if !ok {
			p.Add(path+key, "unknown field")
			continue
		}
		sub, isObj := obj[key].(map[string]any)
		if isObj && ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			checkKnown(sub, ft, path+key+".", p)
		}
	}
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		out[name] = ft
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a value"
}

// jsonProblem turns a JSON syntax error into a message that names where it is
// without echoing input, which might hold a secret.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "malformed JSON"
}

// UnmarshalJSON accepts strings, and also booleans and numbers (written
// unquoted in YAML, e.g. forcePathStyle: true), as parameter values.
func (p *Params) UnmarshalJSON(data []byte) error {
	// Stored specs, and most requests, hold strings only: decode them
	// without boxing every value.
	var strs map[string]string
	if json.Unmarshal(data, &strs) == nil {
		*p = strs
		return nil
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return &json.UnmarshalTypeError{Value: "non-object", Type: reflect.TypeFor[Params](), Field: "spec.parameters"}
	}
	out := make(Params, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return &json.UnmarshalTypeError{Value: jsonKind(v), Type: reflect.TypeFor[string](), Field: "spec.parameters." + k}
		}
	}
	*p = out
	return nil
}
