// Package airflow reads and writes connections in Apache Airflow's forms:
// the URI of an AIRFLOW_CONN_<ID> variable, its JSON form, and the files
// `airflow connections export` writes (JSON, YAML, .env), by the rules of
// airflow.models.Connection (get_uri, _parse_from_uri, from_json, as_json)
// and airflow.secrets.local_filesystem.
//
// It does no I/O but what its callers hand it. Its error messages name the
// conn_id and the part of the input that is wrong, never a value: a URI
// carries the password.
package airflow

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tether-ml/tether"
)

// extraKey is the query parameter that carries the whole extra as JSON
// when it is not a flat map of strings (Connection.EXTRA_KEY).
const extraKey = "__extra__"

// URI returns a's URI as Connection.get_uri writes it: the conn_type, '_'
// written '-', as the scheme; login, password, host and schema each
// percent-encoded with nothing safe (urllib's quote(safe="")); a host
// holding "://" keeps its protocol before the authority; and the extra as
// the query: its own keys when every value is a string, else one
// __extra__ parameter holding its JSON. An empty field is left out, as
// Airflow does with None.
func URI(a *tether.AirflowConnection) (string, error) {
	if a.ConnType == "" {
		return "", tether.Errorf(tether.EINVALID, "an Airflow connection needs a conn_type")
	}
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(strings.ToLower(a.ConnType), "_", "-") + "://")
	host := a.Host
	if protocol, rest, ok := strings.Cut(host, "://"); ok {
		b.WriteString(protocol + "://")
		host = rest
	}
	auth := ""
	if a.Login != "" {
		auth += quote(a.Login)
	}
	if a.Password != "" {
		auth += ":" + quote(a.Password.Reveal())
	}
	if auth != "" {
		b.WriteString(auth + "@")
	}
	b.WriteString(quote(host))
	if a.Port != 0 {
		if host == "" && auth == "" {
			b.WriteString("@")
		}
		b.WriteString(":" + strconv.Itoa(a.Port))
	}
	if a.Schema != "" {
		b.WriteString("/" + quote(a.Schema))
	}
	if len(a.Extra) > 0 {
		q, err := extraQuery(a.Extra)
		if err != nil {
			return "", err
		}
		if a.Schema == "" {
			b.WriteString("/")
		}
		b.WriteString("?" + q)
	}
	return b.String(), nil
}

// extraQuery is the query get_uri writes for extra: urlencode of its keys,
// sorted, when every value is a string (so that parse_qsl gives the same
// map back), else __extra__ and its JSON.
func extraQuery(extra map[string]any) (string, error) {
	keys := make([]string, 0, len(extra))
	flat := true
	for k, v := range extra {
		keys = append(keys, k)
		if _, ok := v.(string); !ok {
			flat = false
		}
	}
	if !flat {
		j, err := extraJSON(extra)
		if err != nil {
			return "", err
		}
		return quotePlus(extraKey) + "=" + quotePlus(j), nil
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = quotePlus(k) + "=" + quotePlus(extra[k].(string))
	}
	return strings.Join(parts, "&"), nil
}

// ParseURI reads an Airflow connection URI as Connection._parse_from_uri
// does: the scheme is the conn_type ('-' read as '_', postgresql as
// postgres); a second "proto://" makes the host "proto://host"; login,
// password, host and schema are percent-decoded; the port must be a
// number up to 65535; the query becomes the extra, or, when it has an
// __extra__ parameter, that parameter's JSON object does. A fragment is
// dropped, as urlsplit drops it. Unlike Python, ParseURI refuses control
// characters, invalid percent-decoded UTF-8 and a query that repeats a
// key, which Airflow would change silently.
func ParseURI(uri string) (*tether.AirflowConnection, error) {
	if msg := tether.TextProblem(uri, 0); msg != "" {
		return nil, uriErrorf("%s", msg)
	}
	if strings.Count(uri, "://") > 2 {
		return nil, uriErrorf("has more than two \"://\"")
	}
	scheme, rest, ok := splitScheme(uri)
	if !ok {
		return nil, uriErrorf("must start with the conn_type as its scheme, e.g. postgres://")
	}
	a := &tether.AirflowConnection{ConnType: NormalizeConnType(scheme)}
	withProtocol := strings.Count(uri, "://") == 2
	// As Airflow, drop the scheme and read the rest as a URL of its own.
	// (Airflow removes every "<conn_type>://", which loses the host of an
	// http connection to http://host; only the first is the scheme.)
	protocol := ""
	if withProtocol {
		before, after, _ := strings.Cut(rest, "://")
		if strings.ContainsAny(before, "@:") {
			return nil, uriErrorf("the protocol of its host must come before the login, not after it")
		}
		protocol, rest = before, after
	}
	if err := parseRest(rest, protocol, a); err != nil {
		return nil, err
	}
	return a, nil
}

// splitScheme returns the scheme of uri as urlsplit finds it (lowercased)
// when uri is scheme://..., and whether it is.
func splitScheme(uri string) (scheme, rest string, ok bool) {
	i := strings.Index(uri, "://")
	if i <= 0 {
		return "", "", false
	}
	s := uri[:i]
	for j, r := range s {
		alpha := ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
		if !alpha && (j == 0 || !(('0' <= r && r <= '9') || r == '+' || r == '-' || r == '.')) {
			return "", "", false
		}
	}
	return strings.ToLower(s), uri[i+3:], true
}

// NormalizeConnType is Connection._normalize_conn_type: postgresql is
// postgres, and '-' is '_'.
func NormalizeConnType(t string) string {
	if t == "postgresql" {
		return "postgres"
	}
	return strings.ReplaceAll(t, "-", "_")
}

// parseRest reads netloc, path and query of what follows the scheme(s)
// into a.
func parseRest(rest, protocol string, a *tether.AirflowConnection) error {
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	netloc, path, _ := strings.Cut(rest, "/")
	if err := parseNetloc(netloc, protocol, a); err != nil {
		return err
	}
	schema, err := unquote(path, false)
	if err != nil {
		return uriErrorf("schema (the path) %s", err)
	}
	a.Schema = schema
	if query == "" {
		return nil
	}
	extra, err := queryExtra(query)
	if err != nil {
		return err
	}
	a.Extra = extra
	return nil
}

// parseNetloc reads userinfo, host and port as urlsplit and Airflow's
// _parse_netloc_to_hostname do: the host lowercased, unless, decoded, it
// holds a '/' (then it is taken as written).
func parseNetloc(netloc, protocol string, a *tether.AirflowConnection) error {
	userinfo, hostport, hasUser := cutLast(netloc, "@")
	if !hasUser {
		hostport, userinfo = netloc, ""
	}
	if hasUser {
		login, password, hasPassword := strings.Cut(userinfo, ":")
		var err error
		if a.Login, err = unquote(login, false); err != nil {
			return uriErrorf("login %s", err)
		}
		if hasPassword {
			pw, err := unquote(password, false)
			if err != nil {
				return uriErrorf("password %s", err)
			}
			a.Password = tether.Secret(pw)
		}
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return err
	}
	decoded, err := unquote(strings.ToLower(host), false)
	if err != nil {
		return uriErrorf("host %s", err)
	}
	if strings.Contains(decoded, "/") {
		if decoded, err = unquote(host, false); err != nil {
			return uriErrorf("host %s", err)
		}
	}
	if decoded != "" && protocol != "" {
		decoded = protocol + "://" + decoded
	}
	a.Host, a.Port = decoded, port
	return nil
}

// splitHostPort splits host[:port] or [ipv6][:port] as urlsplit does; the
// brackets of an IPv6 address are dropped.
func splitHostPort(hostport string) (string, int, error) {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.Index(hostport, "]")
		if end < 0 {
			return "", 0, uriErrorf("has an IPv6 host without its closing ']'")
		}
		host = hostport[1:end]
		_, port, _ = strings.Cut(hostport[end+1:], ":")
	} else {
		host, port, _ = strings.Cut(hostport, ":")
	}
	if port == "" {
		return host, 0, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return "", 0, uriErrorf("port must be a number from 0 to 65535")
	}
	return host, n, nil
}

// queryExtra reads the query as parse_qsl(keep_blank_values=True): the
// extra is its parameters, or the JSON object of its __extra__ parameter.
func queryExtra(query string) (map[string]any, error) {
	params := map[string]any{}
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := unquote(k, true)
		if err != nil {
			return nil, uriErrorf("query %s", err)
		}
		val, err := unquote(v, true)
		if err != nil {
			return nil, uriErrorf("query parameter %q %s", key, err)
		}
		if _, dup := params[key]; dup {
			return nil, uriErrorf("query parameter %q is given twice", key)
		}
		params[key] = val
	}
	if j, ok := params[extraKey]; ok {
		extra, err := decodeExtra(j.(string))
		if err != nil {
			return nil, uriErrorf("query parameter %s %s", extraKey, err)
		}
		return extra, nil
	}
	return params, nil
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// quote is urllib's quote(s, safe=""): every byte but the unreserved
// letters, digits and "_.-~" percent-encoded, a space as %20.
func quote(s string) string {
	return strings.ReplaceAll(quotePlus(s), "+", "%20")
}

// quotePlus is urllib's quote_plus: quote, but a space as '+'.
func quotePlus(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			c == '_' || c == '.' || c == '-' || c == '~':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// unquote is urllib's unquote (unquote_plus with plus): %XX decoded, a
// '%' not followed by two hex digits kept as it is. The result must be
// UTF-8 without control characters.
func unquote(s string, plus bool) (string, error) {
	if plus {
		s = strings.ReplaceAll(s, "+", " ")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	out := b.String()
	if !utf8.ValidString(out) {
		return "", fmt.Errorf("must decode to valid UTF-8")
	}
	if msg := tether.TextProblem(out, 0); msg != "" && !plus {
		return "", fmt.Errorf("%s", msg)
	}
	return out, nil
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// uriErrorf is an EINVALID error about a URI; it never quotes the URI.
func uriErrorf(format string, args ...any) error {
	return tether.Errorf(tether.EINVALID, "the Airflow connection URI "+format, args...)
}
