package credimport

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tether-ml/tether"
)

// PolyaxonSections are the keys of a Polyaxon agent config that hold
// connections, in the order they are read: artifactsStore is one entry,
// the others lists of entries.
var PolyaxonSections = []string{"artifactsStore", "connections", "notificationConnections"}

// PolyaxonConfig reads the connections of a Polyaxon agent config (YAML
// or JSON, named name in messages): the entries of artifactsStore,
// connections and notificationConnections; the config's other keys are
// not Tether's and are ignored. Each entry's kind becomes the type whose
// Polyaxon form reads it (conntype.Registry.FromPolyaxon), its schema the
// type's fields, its secret and configMap the connection's SecretRef and
// ConfigMapRef: the credentials stay in those Kubernetes objects. The id
// is the entry's name made a valid id (DeriveID) after prefix. An entry
// listed in two sections under one name and kind is read once.
//
// A file that is not a YAML mapping is an EINVALID error naming name;
// entries that are wrong are refused one by one.
func PolyaxonConfig(name string, data []byte, forms Forms, prefix string) (*Result, error) {
	if !utf8.Valid(data) {
		return nil, tether.Errorf(tether.EINVALID, "%s is not valid UTF-8", name)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, tether.Errorf(tether.EINVALID, "%s is not a valid Polyaxon agent config (a YAML mapping): %s", name, yamlLine(err))
	}
	res, ids := &Result{}, newIDs(prefix)
	seen := map[string]string{} // name -> kind
	for _, section := range PolyaxonSections {
		entries, err := sectionEntries(doc, section)
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "%s: %s", name, tether.ErrorMessage(err))
		}
		for i, raw := range entries {
			source := fmt.Sprintf("%s[%d]", section, i)
			if section == "artifactsStore" {
				source = section
			}
			readPolyaxonEntry(res, ids, seen, source, raw, forms)
		}
	}
	if len(res.Connections)+len(res.Refused)+len(res.Skipped) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "%s has no connections: none of %s is set", name, strings.Join(PolyaxonSections, ", "))
	}
	sortResult(res)
	return res, nil
}

// sectionEntries returns the entries of a section: none, its one entry
// (artifactsStore), or its list.
func sectionEntries(doc map[string]any, section string) ([]any, error) {
	v, ok := doc[section]
	switch {
	case !ok || v == nil:
		return nil, nil
	case section == "artifactsStore":
		return []any{v}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, tether.Errorf(tether.EINVALID, "%s must be a list of connections", section)
	}
	return list, nil
}

// readPolyaxonEntry adds the connection of one entry to res, or the
// reason it is refused.
func readPolyaxonEntry(res *Result, ids *ids, seen map[string]string, source string, raw any, forms Forms) {
	p, err := decodePolyaxonEntry(raw)
	if err != nil {
		res.refuse(source, err)
		return
	}
	source += " " + quoteName(p.Name)
	if kind, dup := seen[p.Name]; dup && kind == p.Kind {
		res.skipf(source, "listed again: read once")
		return
	}
	seen[p.Name] = p.Kind
	spec, err := forms.FromPolyaxon(p)
	if err != nil {
		res.refuse(source, err)
		return
	}
	id, err := ids.take(p.Name, "name")
	if err != nil {
		res.refuse(source, err)
		return
	}
	if spec.Description == "" {
		spec.Description = "Imported from Polyaxon (" + p.Kind + " connection " + p.Name + ")"
	}
	res.Connections = append(res.Connections, &tether.Connection{Kind: tether.Kind, ID: id, Spec: *spec})
}

// decodePolyaxonEntry decodes an entry strictly (tether.DecodeJSON): an
// unknown key, such as a misspelt configMap, is refused.
func decodePolyaxonEntry(raw any) (*tether.PolyaxonConnection, error) {
	j, err := json.Marshal(raw)
	if err != nil || reflect.TypeOf(raw) == nil || reflect.TypeOf(raw).Kind() != reflect.Map {
		return nil, tether.Errorf(tether.EINVALID, "must be a mapping with name, kind, schema, secret and configMap")
	}
	p := &tether.PolyaxonConnection{}
	if err := tether.DecodeJSON(j, p, "the Polyaxon connection", nil); err != nil {
		return nil, err
	}
	if p.Name == "" || p.Kind == "" {
		return nil, tether.Errorf(tether.EINVALID, "the Polyaxon connection needs a name and a kind")
	}
	return p, nil
}

// yamlLine is the line of a YAML error, without its text, which may quote
// the input.
func yamlLine(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		line, _, _ := strings.Cut(msg[i:], ":")
		return "error at " + line
	}
	return "it cannot be decoded"
}
