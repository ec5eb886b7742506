package tether

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DecodeConnection decodes one connection from its JSON form, through
// DecodeJSON. Odahu's server-owned fields (top-level createdAt and
// updatedAt, status.secretName and status.serviceAccount), which Odahu's
// SDK sends back, are accepted and ignored, as is the rest of status but
// its version; every optional field may be null.
func DecodeConnection(data []byte) (*Connection, error) {
	var c Connection
	if err := DecodeJSON(data, &c, "connection", odahuOwned); err != nil {
		return nil, err
	}
	if c.Kind != "" && c.Kind != Kind {
		return nil, Errorf(EINVALID, "%s is invalid: kind: must be %q, not %q", subjectOf(c.ID), Kind, c.Kind)
	}
	c.Status.CreatedAt, c.Status.UpdatedAt = nil, nil
	return &c, nil
}

// odahuOwned reports whether path is a server-owned field of Odahu's
// Connection that Tether does not keep: accepted (a string or null) and
// ignored on input.
func odahuOwned(path string) bool {
	switch path {
	case "createdAt", "updatedAt", "status.secretName", "status.serviceAccount":
		return true
	}
	return false
}

// DecodeJSON decodes data, one JSON object, into v, a pointer to a struct,
// strictly. Unlike encoding/json it refuses what would otherwise be changed
// or dropped silently: invalid UTF-8 (which encoding/json turns into
// U+FFFD), a key given twice (where the last would win), data after the
// object, and any key that is not a JSON field of v (a typo such as
// "keysecret"), except the paths ignored reports true for (nil: none).
// Field names match exactly. Every problem is named by its path, all at
// once, in one EINVALID error about subject ("connection", "request
// body"); no message quotes a value, which might be a secret.
func DecodeJSON(data []byte, v any, subject string, ignored func(path string) bool) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return Errorf(EINVALID, "%s is empty", subject)
	}
	var p Problems
	if err := scanJSON(data, &p); err != nil {
		return Errorf(EINVALID, "%s is not valid JSON: %s", subject, err)
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return Errorf(EINVALID, "%s is not valid JSON: %s", subject, jsonProblem(err))
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return Errorf(EINVALID, "%s must be a JSON object, not %s", subject, jsonKind(raw))
	}
	checkKnown(obj, reflect.TypeOf(v).Elem(), "", ignored, &p)
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			p.Add(te.Field, "must be "+describeType(te.Type)+", not "+te.Value)
		} else {
			p.Add(subject, jsonProblem(err))
		}
	}
	return p.Err(subjectIn(v, subject))
}

// subjectIn names a connection by its id, when it has a valid one.
func subjectIn(v any, subject string) string {
	if c, ok := v.(*Connection); ok && IDPattern.MatchString(c.ID) {
		return subjectOf(c.ID)
	}
	return subject
}

func subjectOf(id string) string {
	if id == "" {
		return "connection"
	}
	return fmt.Sprintf("connection %q", id)
}

// checkKnown reports every key of obj that is not a JSON field of t, and
// recurses into nested structs. Maps (spec.parameters) accept any key: the
// type's schema checks those. A path ignored reports true for must hold a
// string or null.
func checkKnown(obj map[string]any, t reflect.Type, path string, ignored func(string) bool, p *Problems) {
	fields := jsonFields(t)
	for _, key := range sortedKeys(obj) {
		ft, ok := fields[key]
		child := jsonPath(path, key)
		switch {
		case !ok && ignored != nil && ignored(child):
			if v := obj[key]; v != nil {
				if _, isStr := v.(string); !isStr {
					p.Add(child, "must be a string or null, not "+jsonKind(v))
				}
			}
		case !ok:
			p.Add(child, "unknown field")
		default:
			sub, isObj := obj[key].(map[string]any)
			if isObj && ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
				checkKnown(sub, ft, child, ignored, p)
			}
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
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends before the value is complete"
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
		// encoding/json prefixes Field with the path to the map.
		return &json.UnmarshalTypeError{Value: jsonKindOf(data), Type: reflect.TypeFor[Params]()}
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
			return &json.UnmarshalTypeError{Value: jsonKind(v), Type: reflect.TypeFor[string](), Field: k}
		}
	}
	*p = out
	return nil
}

// jsonKindOf names the kind of one JSON value.
func jsonKindOf(data []byte) string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return "a value"
	}
	return jsonKind(v)
}
