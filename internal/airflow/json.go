package airflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tether-ml/tether"
)

// ParseValue reads the value of an AIRFLOW_CONN_<ID> variable as Airflow's
// environment-variables backend does: a JSON object when it starts with
// '{', a URI otherwise.
func ParseValue(v string) (*tether.AirflowConnection, error) {
	if strings.HasPrefix(v, "{") {
		return ParseJSON([]byte(v))
	}
	return ParseURI(v)
}

// ParseJSON reads the JSON form of a connection (Connection.from_json): an
// object of conn_type, description, host, login, password, schema, port
// and extra (an object, or a string holding one), or of uri alone. The
// port may be a number or a string of digits; conn_type is normalized.
func ParseJSON(data []byte) (*tether.AirflowConnection, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	return fromObject(obj, false)
}

// connKeys are the keys of a connection object: the parameters of
// Connection's constructor.
var connKeys = []string{"conn_id", "conn_type", "description", "host", "login", "password", "schema", "port", "extra", "uri"}

// fromObject reads a connection object. withDejson accepts extra_dejson,
// as the local-filesystem backend does.
func fromObject(obj map[string]any, withDejson bool) (*tether.AirflowConnection, error) {
	var unknown []string
	for k := range obj {
		if !slices.Contains(connKeys, k) && (!withDejson || k != "extra_dejson") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, jsonErrorf("has keys Airflow does not know: %s (known: %s)",
			strings.Join(unknown, ", "), strings.Join(connKeys, ", "))
	}
	if dj, ok := obj["extra_dejson"]; ok && dj != nil {
		if e, has := obj["extra"]; has && e != nil {
			return nil, jsonErrorf("has both extra and extra_dejson: give one")
		}
		obj["extra"] = dj
	}
	if u, ok := obj["uri"]; ok && u != nil {
		return fromURIObject(obj)
	}
	return fieldsOf(obj)
}

// fromURIObject reads {"uri": ...}, which may carry a description but no
// other field (Airflow refuses to mix a URI with the fields).
func fromURIObject(obj map[string]any) (*tether.AirflowConnection, error) {
	for _, k := range []string{"conn_type", "host", "login", "password", "schema", "port", "extra"} {
		if v, ok := obj[k]; ok && v != nil && v != "" {
			return nil, jsonErrorf("has uri and %s: give the URI or the fields, not both", k)
		}
	}
	uri, ok := obj["uri"].(string)
	if !ok {
		return nil, jsonErrorf("uri must be a string")
	}
	a, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if a.Description, err = stringField(obj, "description"); err != nil {
		return nil, err
	}
	return a, nil
}

// fieldsOf reads the fields of a connection object.
func fieldsOf(obj map[string]any) (*tether.AirflowConnection, error) {
	a := &tether.AirflowConnection{}
	var pw string
	for _, f := range []struct {
		key string
		dst *string
	}{{"conn_type", &a.ConnType}, {"description", &a.Description}, {"host", &a.Host},
		{"login", &a.Login}, {"password", &pw}, {"schema", &a.Schema}} {
		v, err := stringField(obj, f.key)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	if a.ConnType == "" {
		return nil, jsonErrorf("has no conn_type")
	}
	a.ConnType, a.Password = NormalizeConnType(a.ConnType), tether.Secret(pw)
	port, err := portField(obj["port"])
	if err != nil {
		return nil, err
	}
	a.Port = port
	switch e := obj["extra"].(type) {
	case nil:
	case string:
		if e != "" {
			if a.Extra, err = decodeExtra(e); err != nil {
				return nil, jsonErrorf("extra %s", err)
			}
		}
	case map[string]any:
		a.Extra = e
	default:
		return nil, jsonErrorf("extra must be an object, or a string holding one")
	}
	return a, nil
}

// stringField returns obj[key], which must be a string or null.
func stringField(obj map[string]any, key string) (string, error) {
	switch v := obj[key].(type) {
	case nil:
		return "", nil
	case string:
		if msg := tether.TextProblem(v, 0); msg != "" && key != "password" {
			return "", jsonErrorf("%s %s", key, msg)
		}
		return v, nil
	}
	return "", jsonErrorf("%s must be a string", key)
}

// portField reads a port as from_json does (int(port)): a whole number,
// or a string of digits.
func portField(v any) (int, error) {
	const msg = "port must be a whole number from 0 to 65535"
	var f float64
	switch p := v.(type) {
	case nil:
		return 0, nil
	case json.Number:
		var err error
		if f, err = p.Float64(); err != nil {
			return 0, jsonErrorf(msg)
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if p == "" {
			return 0, nil
		}
		if err != nil {
			return 0, jsonErrorf(msg)
		}
		f = float64(n)
	default:
		return 0, jsonErrorf(msg)
	}
	if f != math.Trunc(f) || f < 0 || f > 65535 {
		return 0, jsonErrorf(msg)
	}
	return int(f), nil
}

// JSON returns a's JSON form as Connection.as_json writes it: empty
// fields left out, the extra an object.
func JSON(a *tether.AirflowConnection) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "the extra of an Airflow connection cannot be JSON: %v", err)
	}
	return b, nil
}

// extraJSON is the JSON text of an extra.
func extraJSON(extra map[string]any) (string, error) {
	b, err := json.Marshal(extra)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "the extra of an Airflow connection cannot be JSON: %v", err)
	}
	return string(b), nil
}

// decodeExtra reads an extra's JSON text, which must be an object
// (Connection._validate_extra).
func decodeExtra(s string) (map[string]any, error) {
	obj, err := decodeObject([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("must be a JSON object: %s", tether.ErrorMessage(err))
	}
	return obj, nil
}

// decodeObject decodes one JSON object, numbers kept as json.Number, and
// refuses invalid UTF-8 and trailing data.
func decodeObject(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, jsonErrorf("is not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, jsonErrorf("is not valid JSON: %s", syntaxProblem(err))
	}
	if d.More() {
		return nil, jsonErrorf("has data after its JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, jsonErrorf("must be a JSON object")
	}
	return obj, nil
}

// syntaxProblem describes a JSON error without quoting the input.
func syntaxProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	if strings.Contains(err.Error(), "EOF") {
		return "it ends too early"
	}
	return "it cannot be decoded"
}

// jsonErrorf is an EINVALID error about a connection's JSON form.
func jsonErrorf(format string, args ...any) error {
	return tether.Errorf(tether.EINVALID, "the Airflow connection "+format, args...)
}
