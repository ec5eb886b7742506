package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// edgeRoute is a route with one path or query value left open ({v}), and
// the parameter a bad value there must be named as.
type edgeRoute struct {
	method, path, param string
	// key marks values that name stored things (ids, namespaces), which
	// must also match their pattern.
	key bool
}

func edgeRoutes() []edgeRoute {
	return []edgeRoute{
		{"GET", "/api/v1/connection/{v}", "id", true},
		{"PUT", "/api/v1/connection/{v}", "id", true},
		{"DELETE", "/api/v1/connection/{v}", "id", true},
		{"GET", "/api/v1/connection/{v}/decrypted", "id", true},
		{"GET", "/api/v1/connection/{v}/usage", "id", true},
		{"GET", "/api/v1/namespaces/default/connection/{v}/decrypted", "id", true},
		{"DELETE", "/api/v1/namespaces/default/connection/{v}", "id", true},
		{"GET", "/api/v1/namespaces/{v}/connection", "ns", true},
		{"POST", "/api/v1/namespaces/{v}/connection", "ns", true},
		{"PUT", "/api/v1/namespaces/{v}/connection", "ns", true},
		{"GET", "/api/v1/namespaces/{v}/connection/x/decrypted", "ns", true},
		{"GET", "/api/v1/namespaces/{v}/connection/x/usage", "ns", true},
		{"DELETE", "/api/v1/namespaces/{v}/connection/x", "ns", true},
		{"GET", "/api/v1/namespaces/{v}", "ns", true},
		{"DELETE", "/api/v1/namespaces/{v}", "ns", true},
		{"DELETE", "/api/v1/rolebindings/{v}", "id", true},
		{"DELETE", "/api/v1/tokens/{v}", "id", true},
		{"GET", "/api/v1/connection?type={v}", "type", false},
		{"GET", "/api/v1/connection?type=s3&type={v}", "type", false},
		{"GET", "/api/v1/connection?page={v}", "page", false},
		{"GET", "/api/v1/connection?size={v}", "size", false},
		{"GET", "/api/v1/connection?after={v}", "after", true},
		{"GET", "/api/v1/namespaces/default/connection?after={v}", "after", true},
		{"PUT", "/api/v1/connection/x?force={v}", "force", false},
		{"GET", "/api/v1/connection/x/usage?since={v}", "since", false},
		{"DELETE", "/api/v1/namespaces/x?force={v}", "force", false},
		{"GET", "/api/v1/rolebindings?namespace={v}", "namespace", true},
		{"GET", "/api/v1/audit?namespace={v}", "namespace", true},
		{"GET", "/api/v1/audit?connection={v}", "connection", true},
		{"GET", "/api/v1/audit?action={v}", "action", false},
		{"GET", "/api/v1/audit?since={v}", "since", false},
		{"GET", "/api/v1/audit?limit={v}", "limit", false},
		{"GET", "/api/v1/audit?after={v}", "after", false},
	}
}

// badValue is a value no store may see, escaped for a path and for a query.
type badValue struct {
	name, path, query string
	keysOnly          bool // bad only where a value names a stored thing
}

func badValues() []badValue {
	return []badValue{
		{name: "NUL", path: "a%00b", query: "a%00b"},
		{name: "invalid UTF-8", path: "a%ffb", query: "a%ffb"},
		{name: "lone continuation byte", path: "%80", query: "%80"},
		{name: "carriage return", path: "a%0Db", query: "a%0Db"},
		{name: "escape sequence", path: "a%1B%5B2Jb", query: "a%1B%5B2Jb"},
		{name: "C1 control", path: "a%C2%9Bb", query: "a%C2%9Bb"},
		{name: "oversize", path: strings.Repeat("a", 500<<10), query: strings.Repeat("a", 1000)},
		{name: "not a DNS label", path: "Not_A_Label", query: "Not_A_Label", keysOnly: true},
		{name: "64 characters", path: strings.Repeat("a", 64), query: strings.Repeat("a", 64), keysOnly: true},
	}
}

// edgeCaller sends requests with one token from one address.
type edgeCaller struct {
	name  string
	token string
	hc    *http.Client
}

// TestEdgeRefusesBadPathAndQueryValues: on both stores, every path and
// query value of every route that is not clean text (NUL, invalid UTF-8,
// control characters, oversize) or, naming an id or a namespace, breaks
// its pattern, gets a 400 naming the parameter, before authentication and
// before any store sees it: whoever asks (an admin, a caller with no role,
// a bad token), nothing is audited, nothing fails inside the server.
func TestEdgeRefusesBadPathAndQueryValues(t *testing.T) {
	for _, st := range bothStores() {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			callers := []edgeCaller{
				{"admin", s.token, s.srv.Client()},
				{"no role", s.issue(t, "user:nobody"), s.srv.Client()},
				{"bad token", "tether_not-a-token", fromAddress("127.0.0.2")},
			}
			for _, c := range callers {
				for _, rt := range edgeRoutes() {
					for _, v := range badValues() {
						if v.keysOnly && !rt.key {
							continue
						}
						checkEdgeRefusal(t, s, c, rt, v)
					}
				}
			}
			checkNothingReachedStore(t, s)
		})
	}
}

func checkEdgeRefusal(t *testing.T, s *stack, c edgeCaller, rt edgeRoute, v badValue) {
	t.Helper()
	value := v.path
	if strings.Contains(rt.path, "?") {
		value = v.query
	}
	path := strings.Replace(rt.path, "{v}", value, 1)
	r := s.doFrom(c.hc, c.token, rt.method, path, "")
	where := rt.method + " " + rt.path + " with " + v.name + " as " + c.name
	if r.status != http.StatusBadRequest {
		t.Errorf("%s: status %d, want 400; body %.200s", where, r.status, r.body)
		return
	}
	if msg := r.message(t); !strings.Contains(msg, rt.param+":") || strings.Contains(msg, "\x00") {
		t.Errorf("%s: message %.200q does not name %s", where, msg, rt.param)
	}
}

// checkNothingReachedStore fails t if the audit log holds an event of the
// callers refused at the edge (a denial of the caller with no role, a
// failed authentication), or the server logged an internal failure.
func checkNothingReachedStore(t *testing.T, s *stack) {
	t.Helper()
	for _, e := range auditEvents(t, s, "") {
		if e.Subject == "user:nobody" || e.Action == "auth.failed" || e.Outcome == tether.OutcomeFailed {
			t.Errorf("audited: %+v", e)
		}
	}
	if strings.Contains(s.logs.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged errors:\n%.2000s", s.logs.String())
	}
}

// TestEdgeQueryStrings: a malformed query string, or one with more values
// than any route reads, is refused whole.
func TestEdgeQueryStrings(t *testing.T) {
	s := newStack(t)
	for _, path := range []string{
		"/api/v1/connection?type=%zz",
		"/api/v1/connection?type=s3;type=gcs",
		"/api/v1/connection?" + strings.Repeat("type=s3&", 65),
		"/api/v1/connection?a%00b=1",
	} {
		r := s.do("GET", path, "")
		if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "query string:") {
			t.Errorf("GET %.60s: status %d, body %.200s; want 400 naming the query string", path, r.status, r.body)
		}
	}
	r := s.do("GET", "/api/v1/connection?"+strings.Repeat("type=s3&", 6)+"unknown=ignored", "")
	mustStatus(t, r, http.StatusOK)
}

// TestEdgeAcceptsGoodValues: the rules refuse nothing a route serves:
// every key at its longest, "*" as a namespace filter, times and numbers.
func TestEdgeAcceptsGoodValues(t *testing.T) {
	s := newStack(t)
	long := strings.Repeat("a", 63)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v1/connection/" + long, http.StatusNotFound},
		{"GET", "/api/v1/namespaces/" + long + "/connection/" + long, http.StatusNotFound},
		{"GET", "/api/v1/connection?type=s3&type=gcs&page=2&size=10", http.StatusOK},
		{"GET", "/api/v1/connection?after=" + long + "&size=5", http.StatusOK},
		{"GET", "/api/v1/rolebindings?namespace=*", http.StatusOK},
		{"GET", "/api/v1/audit?namespace=default&connection=" + long + "&action=connection.reveal&since=2024-01-02T03:04:05%2B02:00&limit=5&after=3", http.StatusOK},
		{"GET", "/api/v1/audit?since=24h", http.StatusOK},
		{"DELETE", "/api/v1/tokens/tok-0123456789ab", http.StatusNotFound},
	} {
		if r := s.do(tc.method, tc.path, ""); r.status != tc.want {
			t.Errorf("%s %.80s: status %d, want %d; body %.200s", tc.method, tc.path, r.status, tc.want, r.body)
		}
	}
}

// TestListPageOverflow: a page whose first record lies beyond any int
// (page × size overflows) is refused naming page, instead of wrapping round
// to another page; a far page that fits is just empty.
func TestListPageOverflow(t *testing.T) {
	for _, st := range bothStores() {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
			for _, q := range []string{"page=4611686018427387904&size=4", "page=9223372036854775807", "page=18446744073709552&size=500"} {
				r := s.do("GET", "/api/v1/connection?"+q, "")
				if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "page:") {
					t.Errorf("?%s: status %d, body %s; want 400 naming page", q, r.status, r.body)
				}
			}
			r := s.do("GET", "/api/v1/connection?page=18446744073709551&size=500", "")
			mustStatus(t, r, http.StatusOK)
			var list []tether.Connection
			if r.json(t, &list); len(list) != 0 {
				t.Errorf("a far page holds %d connections, want none", len(list))
			}
		})
	}
}
