package airflow

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tether-ml/tether"
)

// EnvPrefix starts the name of every variable that carries an Airflow
// connection: AIRFLOW_CONN_<CONN_ID>, the conn_id upper-cased.
const EnvPrefix = "AIRFLOW_CONN_"

// EnvName is the variable Airflow reads the connection connID from.
func EnvName(connID string) string {
	return EnvPrefix + strings.ToUpper(connID)
}

// Entry is one connection of a file or an environment: its conn_id, and
// the connection, or why it cannot be read. One bad entry does not hide
// the others.
type Entry struct {
	ConnID string
	Conn   *tether.AirflowConnection
	Err    error
}

// ParseFile reads a file of connections as Airflow's local-filesystem
// backend and `airflow connections import` do, by its extension:
//
//   - .json and .yaml/.yml: an object of conn_id to either a URI or a
//     connection object (conn_type, description, host, login, password,
//     schema, port, extra or extra_dejson), as `airflow connections
//     export` writes them (extra a string holding JSON, absent fields
//     null);
//   - .env: CONN_ID=VALUE lines, blank lines and lines starting with '#'
//     ignored; VALUE a URI or, as `export --serialization-format json`
//     writes it, a JSON object. A conn_id given twice is an error.
//
// The entries are sorted by conn_id. A file that cannot be read at all is
// an EINVALID error naming name and the line or byte, never a value.
func ParseFile(name string, data []byte) ([]Entry, error) {
	if !utf8.Valid(data) {
		return nil, tether.Errorf(tether.EINVALID, "%s is not valid UTF-8", name)
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".env":
		return parseEnvFile(name, data)
	case ".json":
		obj, err := decodeObject(data)
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "%s: %s", name, strings.TrimPrefix(tether.ErrorMessage(err), "the Airflow connection "))
		}
		return objectEntries(obj), nil
	case ".yaml", ".yml":
		obj, err := decodeYAML(name, data)
		if err != nil {
			return nil, err
		}
		return objectEntries(obj), nil
	}
	return nil, tether.Errorf(tether.EINVALID, "%s: the file must end in .json, .yaml, .yml or .env, as Airflow's exports do", name)
}

// decodeYAML reads a YAML mapping into JSON's model, through JSON, so that
// both file forms are read by the same rules. yaml.v3 refuses a key given
// twice.
func decodeYAML(name string, data []byte) (map[string]any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, tether.Errorf(tether.EINVALID, "%s is not valid YAML: %s", name, yamlProblem(err))
	}
	if v == nil {
		return nil, tether.Errorf(tether.EINVALID, "%s is empty", name)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "%s: every key must be a string", name)
	}
	obj, err := decodeObject(j)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "%s must be a mapping of conn_id to connection", name)
	}
	return obj, nil
}

// yamlProblem is the line of a YAML error, without its text, which may
// quote the input.
func yamlProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		line, _, _ := strings.Cut(msg[i:], ":")
		return "error at " + line
	}
	return "it cannot be decoded"
}

// objectEntries reads each conn_id of a JSON or YAML file.
func objectEntries(obj map[string]any) []Entry {
	out := make([]Entry, 0, len(obj))
	for id, v := range obj {
		e := Entry{ConnID: id}
		switch c := v.(type) {
		case string:
			e.Conn, e.Err = ParseURI(c)
		case map[string]any:
			e.Conn, e.Err = fromObject(c, true)
			if cid, ok := c["conn_id"].(string); ok && e.Err == nil && cid != id {
				e.Err = jsonErrorf("has conn_id %q under the key %q", cid, id)
			}
		default:
			e.Err = tether.Errorf(tether.EINVALID, "must be a URI or an object")
		}
		out = append(out, e)
	}
	sortEntries(out)
	return out
}

// parseEnvFile reads the lines of a .env file.
func parseEnvFile(name string, data []byte) ([]Entry, error) {
	seen := map[string]int{}
	var out []Entry
	var problems []string
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		if strings.TrimLeft(line, " ") == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("line %d has no '='", i+1))
		case key == "":
			problems = append(problems, fmt.Sprintf("line %d has no conn_id before '='", i+1))
		case value == "":
			problems = append(problems, fmt.Sprintf("line %d has no value after '='", i+1))
		case seen[key] > 0:
			problems = append(problems, fmt.Sprintf("line %d gives conn_id %s again (first on line %d)", i+1, safeID(key), seen[key]))
		default:
			seen[key] = i + 1
			c, err := ParseValue(value)
			out = append(out, Entry{ConnID: key, Conn: c, Err: err})
		}
	}
	if len(problems) > 0 {
		return nil, tether.Errorf(tether.EINVALID, "%s: %s", name, strings.Join(problems, "; "))
	}
	sortEntries(out)
	return out, nil
}

// ParseEnviron reads the AIRFLOW_CONN_<ID> variables of environ (KEY=VALUE
// strings, as os.Environ gives them): the conn_id is the rest of the name,
// lower-cased, as Airflow looks it up.
func ParseEnviron(environ []string) []Entry {
	var out []Entry
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		id, ok := strings.CutPrefix(k, EnvPrefix)
		if !ok || id == "" {
			continue
		}
		c, err := ParseValue(v)
		out = append(out, Entry{ConnID: strings.ToLower(id), Conn: c, Err: err})
	}
	sortEntries(out)
	return out
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool { return es[i].ConnID < es[j].ConnID })
}

// safeID quotes a conn_id for a message, or says it cannot be shown.
func safeID(id string) string {
	if tether.TextProblem(id, 250) != "" {
		return "(unprintable)"
	}
	return fmt.Sprintf("%q", id)
}
