// Package manifest reads connection manifests: YAML or JSON files holding
// one connection, several "---"-separated ones, a list of them (the output
// of "tether conn get"), or concatenated JSON values. Every connection is
// decoded strictly by tether.DecodeConnection.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tether-ml/tether"
)

// Decode returns every connection in data. An error names the document
// (1-based) and, through tether.DecodeConnection, every offending field; it
// never quotes input values, which may be secrets.
func Decode(data []byte) ([]*tether.Connection, error) {
	docs, err := documents(data)
	if err != nil {
		return nil, err
	}
	var out []*tether.Connection
	for i, doc := range docs {
		for j, item := range items(doc) {
			raw, err := json.Marshal(item)
			if err != nil {
				return nil, tether.Errorf(tether.EINVALID, "document %d: cannot convert to JSON", i+1)
			}
			c, err := tether.DecodeConnection(raw)
			if err != nil {
				return nil, tether.Errorf(tether.EINVALID, "%s: %s", where(i, j, len(docs)), tether.ErrorMessage(err))
			}
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "no connection found")
	}
	return out, nil
}

func where(doc, item, docs int) string {
	if docs == 1 && item == 0 {
		return "document 1"
	}
	return fmt.Sprintf("document %d, item %d", doc+1, item+1)
}

// items flattens a top-level list into its elements.
func items(doc any) []any {
	if list, ok := doc.([]any); ok {
		return list
	}
	return []any{doc}
}

// documents splits data into JSON-ready values: a JSON stream when data
// starts with '{' or '[', YAML documents otherwise. Empty documents are
// skipped.
func documents(data []byte) ([]any, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return jsonDocuments(trimmed)
	}
	return yamlDocuments(data)
}

func jsonDocuments(data []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var docs []any
	for i := 1; ; i++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, tether.Errorf(tether.EINVALID, "document %d: invalid JSON: syntax error at byte %d", i, se.Offset)
		}
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "document %d: invalid JSON: unexpected end of input", i)
		}
		docs = append(docs, v)
	}
}

func yamlDocuments(data []byte) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []any
	for i := 1; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "document %d: invalid YAML: %s", i, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		v, err := nodeValue(&n)
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "document %d: %s", i, tether.ErrorMessage(err))
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
}

// maxDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxDepth = 32

// nodeValue converts a YAML node to the value JSON would have: mappings to
// objects with string keys, sequences to arrays, scalars by their resolved
// tag (timestamps stay strings). Aliases are refused: a manifest needs none
// and they allow exponential expansion.
func nodeValue(n *yaml.Node) (any, error) { return convert(n, 0) }

func convert(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, tether.Errorf(tether.EINVALID, "nesting deeper than %d levels", maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0], depth)
	case yaml.MappingNode:
		return convertMapping(n, depth)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, tether.Errorf(tether.EINVALID, "line %d: YAML aliases and anchors are not supported", n.Line)
}

func convertMapping(n *yaml.Node, depth int) (any, error) {
	m := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			return nil, tether.Errorf(tether.EINVALID, "line %d: mapping keys must be plain strings", k.Line)
		}
		if _, dup := m[k.Value]; dup {
			return nil, tether.Errorf(tether.EINVALID, "line %d: duplicate key %q", k.Line, k.Value)
		}
		v, err := convert(n.Content[i+1], depth+1)
		if err != nil {
			return nil, err
		}
		m[k.Value] = v
	}
	return m, nil
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, tether.Errorf(tether.EINVALID, "line %d: invalid boolean", n.Line)
		}
		return b, nil
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			return n.Value, nil
		}
		return f, nil
	}
	return n.Value, nil
}
