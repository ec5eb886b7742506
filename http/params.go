package http

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tether-ml/tether"
)

// Every path and query value of an API request is checked here, once,
// before the request is authenticated and before any store sees it, so that
// both stores get only what both accept (PostgreSQL refuses NUL and invalid
// UTF-8, which SQLite stores) and a refused request costs no storage work.
// Handlers then parse the values they read (integers, booleans, times) and
// name the parameter when that fails.

// Limits of path and query values.
const (
	// maxLabel is the length of an id or a namespace name: a DNS-1123
	// label, like every id Tether accepts or issues (connection ids by
	// rule; token and role-binding ids are a short prefix and hex).
	maxLabel = 63
	// maxQueryValue bounds one query value; the longest any parameter
	// needs is an RFC 3339 time.
	maxQueryValue = 256
	// maxQueryName bounds the name of a query parameter.
	maxQueryName = 64
	// maxQueryValues bounds the values of one query string together (a
	// list repeats ?type= once per type, of which there are a few).
	maxQueryValues = 64
)

// msgLabel says what an id or a namespace name may be.
const msgLabel = "must be at most 63 characters, only lowercase alphanumerics and '-', " +
	"starting and ending with an alphanumeric"

// pathWildcards are the wildcards of the routes and their patterns: every
// one names a namespace or an id.
var pathWildcards = [...]struct {
	name    string
	pattern *tether.Pattern
}{{"ns", tether.NamespacePattern}, {"id", tether.IDPattern}}

// checkParams answers 400, naming every offending parameter, to a request
// whose path or query values break the rules; other requests go on to next.
func (s *Server) checkParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := paramsError(r); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// paramsError returns one EINVALID error naming every path and query value
// of r that breaks the rules, or nil.
func paramsError(r *http.Request) error {
	var p tether.Problems
	for _, w := range pathWildcards {
		if strings.Contains(r.Pattern, "{"+w.name+"}") {
			if msg := labelProblem(r.PathValue(w.name), w.pattern); msg != "" {
				p.Add("path parameter "+w.name, msg)
			}
		}
	}
	checkQuery(r.URL.RawQuery, &p)
	return p.Err("request")
}

// checkQuery checks every value of the query string raw: text by the rule
// of tether.TextProblem, at most maxQueryValue bytes; the values that name
// stored things by their own rules (see keyProblem).
func checkQuery(raw string, p *tether.Problems) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		p.Add("query string", "malformed: escape '%' as %25 and separate parameters with '&'")
		return
	}
	if n := countValues(q); n > maxQueryValues {
		p.Add("query string", fmt.Sprintf("has %d values, more than %d", n, maxQueryValues))
		return
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if msg := tether.TextProblem(name, maxQueryName); msg != "" {
			p.Add("query string", "a parameter name "+msg)
			continue
		}
		for _, v := range q[name] {
			if msg := queryProblem(name, v); msg != "" {
				p.Add("query parameter "+name, msg)
				break
			}
		}
	}
}

func countValues(q url.Values) int {
	n := 0
	for _, vs := range q {
		n += len(vs)
	}
	return n
}

// queryProblem returns what is wrong with v as the value of the query
// parameter name, or "".
func queryProblem(name, v string) string {
	if msg := tether.TextProblem(v, maxQueryValue); msg != "" {
		return msg
	}
	return keyProblem(name, v)
}

// keyProblem checks the query parameters that name stored things: a
// namespace ("*" for every namespace, as in role bindings), a connection
// id, and a cursor (after): the id a connection list resumes after, or the
// number an audit list does, which is a label too. Empty means unset.
func keyProblem(name, v string) string {
	switch {
	case v == "":
		return ""
	case name == "namespace" && v != tether.AllNamespaces:
		return labelProblem(v, tether.NamespacePattern)
	case name == "connection" || name == "after":
		return labelProblem(v, tether.IDPattern)
	}
	return ""
}

// labelProblem returns what is wrong with v as an id or a namespace name,
// whose pattern (a DNS-1123 label) is pattern, or "". The length is checked
// first, so that an oversized value costs no pattern match.
func labelProblem(v string, pattern *tether.Pattern) string {
	if msg := tether.TextProblem(v, maxLabel); msg != "" {
		return msg
	}
	if !pattern.MatchString(v) {
		return msgLabel
	}
	return ""
}

// sinceQuery reads ?since= as a duration back from now (e.g. 24h) or an
// RFC 3339 time.
func sinceQuery(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("since")
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, tether.Errorf(tether.EINVALID, "since must be a duration such as 24h or an RFC 3339 time")
}

func intQuery(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, tether.Errorf(tether.EINVALID, "%s must be a non-negative integer", name)
	}
	return n, nil
}
