package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tether-ml/tether"
)

// typeEnums are the places of the OpenAPI document that list the
// connection types: the type filter of both lists of connections, and
// ConnectionSpec.type. Each is a path of object keys; "name=type" selects
// the element of an array whose name is "type".
func typeEnums() [][]string {
	list := func(path string) []string {
		return []string{"paths", path, "get", "parameters", "name=type", "schema", "items", "enum"}
	}
	return [][]string{
		list("/api/v1/connection"),
		list("/api/v1/namespaces/{ns}/connection"),
		{"components", "schemas", "ConnectionSpec", "properties", "type", "enum"},
	}
}

// openAPIFor returns the OpenAPI document with the types of reg in its
// type enums, so that the document lists the types the server accepts.
// Everything else is the embedded document, byte for byte.
func openAPIFor(reg tether.TypeRegistry) ([]byte, error) {
	names := []string{}
	for _, t := range reg.Types() {
		names = append(names, t.Name)
	}
	enum, err := json.Marshal(names)
	if err != nil {
		return nil, err
	}
	doc := json.RawMessage(openAPIDocument)
	for _, path := range typeEnums() {
		if doc, err = replaceAt(doc, path, enum); err != nil {
			return nil, fmt.Errorf("openapi.json: %s: %w", strings.Join(path, "."), err)
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return nil, err
	}
	return append(out.Bytes(), '\n'), nil
}

// replaceAt returns doc with the value at path replaced by v. The keys of
// every object keep their order.
func replaceAt(doc json.RawMessage, path []string, v json.RawMessage) (json.RawMessage, error) {
	if len(path) == 0 {
		return v, nil
	}
	var out bytes.Buffer
	found := false
	err := eachMember(doc, func(key *string, elem json.RawMessage) error {
		if !found && memberMatches(path[0], key, elem) {
			found = true
			var err error
			if elem, err = replaceAt(elem, path[1:], v); err != nil {
				return err
			}
		}
		if key != nil {
			k, _ := json.Marshal(*key)
			out.Write(append(k, ':'))
		}
		out.Write(append(elem, ','))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("no %q", path[0])
	}
	b := bytes.TrimSuffix(out.Bytes(), []byte(","))
	if bytes.HasPrefix(bytes.TrimSpace(doc), []byte("[")) {
		return append(append([]byte("["), b...), ']'), nil
	}
	return append(append([]byte("{"), b...), '}'), nil
}

// memberMatches reports whether the member key (an object's) or elem (an
// array's, key nil) is the one sel selects.
func memberMatches(sel string, key *string, elem json.RawMessage) bool {
	if key != nil {
		return *key == sel
	}
	field, want, ok := strings.Cut(sel, "=")
	if !ok {
		return false
	}
	var obj map[string]json.RawMessage
	var got string
	return json.Unmarshal(elem, &obj) == nil && json.Unmarshal(obj[field], &got) == nil && got == want
}

// eachMember calls f with each member of the object doc, in order, or
// each element of the array doc with key nil.
func eachMember(doc json.RawMessage, f func(key *string, elem json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	open, err := dec.Token()
	if err != nil {
		return err
	}
	if open != json.Delim('{') && open != json.Delim('[') {
		return fmt.Errorf("not an object or array")
	}
	for dec.More() {
		var key *string
		if open == json.Delim('{') {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := tok.(string)
			key = &k
		}
		var elem json.RawMessage
		if err := dec.Decode(&elem); err != nil {
			return err
		}
		if err := f(key, elem); err != nil {
			return err
		}
	}
	return nil
}
