package conntype

import (
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// The generic, schema-driven checks. They know no type by name: everything
// they enforce comes from the type's tether.ConnectionType. None of their
// messages contains a field's or a parameter's value.

// Messages shared by the generic checks and the types' own rules.
const (
	msgMasked  = `is masked ("*****"): give the secret value`
	msgBase64  = "must be base64-encoded (standard alphabet, padded)"
	msgControl = "must not contain control characters"
	msgSpaces  = "must not have leading or trailing spaces"
)

// checkID checks the connection id against tether.IDPattern.
func checkID(id string, p *tether.Problems) {
	switch {
	case id == "":
		p.Add("id", "required")
	case !tether.IDPattern.MatchString(id):
		p.Add("id", "must be at most 63 characters, only lowercase alphanumerics and '-', "+
			"starting and ending with an alphanumeric")
	}
}

// checkCommon checks the spec fields every type shares. The uri's format is
// the type's business; here it only has to be there.
func checkCommon(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI == "" {
		p.Add("spec.uri", "required")
	}
	if msg := tether.TextProblem(s.Description, 0); msg != "" {
		p.Add("spec.description", msg)
	}
	if s.WebUILink != "" {
		if msg := urlProblem(s.WebUILink); msg != "" {
			p.Add("spec.webUILink", msg)
		}
	}
}

// checkFields checks every one of tether.TypedFields against the type's
// schema: unlisted fields must be empty, required ones set, and set values
// must not be masked, must be base64 when declared so, and otherwise must be
// clean text.
func checkFields(t *tether.ConnectionType, s *tether.ConnectionSpec, p *tether.Problems) {
	for _, name := range tether.TypedFields {
		v := *s.Field(name)
		f := t.Field(name)
		path := "spec." + name
		switch {
		case f == nil:
			if v != "" {
				p.Add(path, "not supported by type "+t.Name)
			}
		case v == "":
			if f.Required {
				p.Add(path, "required by type "+t.Name)
			}
		default:
			checkValue(path, v, f.Secret, f.Base64, p)
		}
	}
}

// checkParams checks spec.parameters against the type's schema. An empty
// value counts as unset: consumers must treat it so. A type with free-form
// parameters takes any key that is a plain name, secret when
// spec.secretKeys names it.
func checkParams(t *tether.ConnectionType, s *tether.ConnectionSpec, p *tether.Problems) {
	params := s.Parameters
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v, path := params[key], paramPath(key)
		prm := t.Parameter(key)
		switch {
		case prm == nil && t.FreeParameters:
			checkFreeParam(key, v, slices.Contains(s.SecretKeys, key), p)
		case prm == nil:
			p.Add(path, unknownParam(t))
		case v == "":
			// Reported below if required.
		case checkValue(path, v, prm.Secret, prm.Base64, p):
			checkFormat(path, v, prm, p)
		}
	}
	for _, prm := range t.Parameters {
		if prm.Required && params[prm.Name] == "" {
			p.Add(paramPath(prm.Name), "required by type "+t.Name)
		}
	}
}

// checkFreeParam checks one free-form parameter: its key must be a plain
// name (it becomes a variable or a file name in renderings) and its value
// clean text.
func checkFreeParam(key, v string, secret bool, p *tether.Problems) {
	path := paramPath(key)
	if !isToken(key, 64) || key[0] == '-' || key[0] == '.' {
		p.Add(path, "parameter names are 1 to 64 letters, digits, '_', '.' and '-', not starting with '-' or '.'")
		return
	}
	if v != "" {
		checkValue(path, v, secret, false, p)
	}
}

// checkSecretKeys checks spec.secretKeys: only a type with free-form
// parameters takes it, and each key must name a free-form parameter that
// is set, once. An unset one is reported at the parameter's path, so that
// an update that omits it to keep its stored value passes.
func checkSecretKeys(t *tether.ConnectionType, s *tether.ConnectionSpec, p *tether.Problems) {
	if len(s.SecretKeys) == 0 {
		return
	}
	if !t.FreeParameters {
		p.Add("spec.secretKeys", "not supported by type "+t.Name+": its schema says which parameters are secret")
		return
	}
	for i, key := range s.SecretKeys {
		switch {
		case !isToken(key, 64):
			p.Add("spec.secretKeys", "must list parameter names (letters, digits, '_', '.' and '-')")
		case slices.Contains(s.SecretKeys[:i], key):
			p.Add("spec.secretKeys", "names parameter "+key+" twice")
		case t.Parameter(key) != nil:
			p.Add("spec.secretKeys", "names parameter "+key+", which the schema of type "+t.Name+" declares")
		case s.Parameters[key] == "":
			p.Add(paramPath(key), "named by spec.secretKeys but not set")
		}
	}
}

// checkValue applies the rules fields and parameters share to a set value.
// It reports whether the value passed them, so that format checks may run.
func checkValue(path, v string, secret, b64 bool, p *tether.Problems) bool {
	switch {
	case secret && v == tether.Mask:
		p.Add(path, msgMasked)
	case b64 && !isBase64(v):
		p.Add(path, msgBase64)
	case !b64 && hasControl(v):
		p.Add(path, msgControl)
	case !b64 && strings.TrimSpace(v) != v:
		p.Add(path, msgSpaces)
	default:
		return true
	}
	return false
}

// checkFormat checks a parameter's value (decoded, if it is base64) against
// its declared format.
func checkFormat(path, v string, prm *tether.Parameter, p *tether.Problems) {
	if prm.Base64 {
		b, _ := base64.StdEncoding.DecodeString(v)
		v = string(b)
	}
	switch prm.Format {
	case tether.FormatURL:
		if msg := urlProblem(v); msg != "" {
			p.Add(path, msg)
		}
	case tether.FormatBool:
		if v != "true" && v != "false" {
			p.Add(path, `must be "true" or "false"`)
		}
	case tether.FormatEnum:
		if !slices.Contains(prm.Enum, v) {
			p.Add(path, "must be one of "+quoteAll(prm.Enum))
		}
	}
}

// unknownParam says that a parameter is not in t's schema, and which are.
func unknownParam(t *tether.ConnectionType) string {
	if len(t.Parameters) == 0 {
		return "unknown parameter: type " + t.Name + " accepts no parameters"
	}
	names := make([]string, 0, len(t.Parameters))
	for _, prm := range t.Parameters {
		names = append(names, prm.Name)
	}
	sort.Strings(names)
	return "unknown parameter for type " + t.Name + " (accepted: " + strings.Join(names, ", ") + ")"
}

// paramPath is the path of a parameter in messages. A key that is not a
// plain name is quoted (and cut short), so the message stays readable.
func paramPath(key string) string {
	if isToken(key, 64) {
		return "spec.parameters." + key
	}
	if len(key) > 64 {
		key = key[:64] + "..."
	}
	return "spec.parameters[" + strconv.QuoteToASCII(key) + "]"
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
