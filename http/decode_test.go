package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestStrictJSONBodies: every route that reads a JSON body refuses what
// encoding/json would silently change or drop, naming where, and names a
// mistyped field once.
func TestStrictJSONBodies(t *testing.T) {
	s := newStack(t)
	conn := `{"id":"x","spec":{"type":"docker","uri":"registry.example:5000","username":"u","password":"cGFzcw=="}}`
	cases := []struct {
		name, method, path, body string
		mentions                 []string
		absent                   string
	}{
		{"invalid UTF-8 in a connection", "POST", "/api/v1/connection",
			strings.Replace(conn, `"username":"u"`, "\"username\":\"u\xff\"", 1), []string{"spec.username: not valid UTF-8"}, ""},
		{"invalid UTF-8 in a parameter", "POST", "/api/v1/connection",
			strings.Replace(conn, `"username":"u"`, "\"username\":\"u\",\"parameters\":{\"a\":\"\xc3\"}", 1), []string{"spec.parameters.a: not valid UTF-8"}, ""},
		{"invalid UTF-8 in a namespace", "POST", "/api/v1/namespaces", "{\"name\":\"te\xffam\"}", []string{"name: not valid UTF-8"}, ""},
		{"invalid UTF-8 in a subject", "POST", "/api/v1/tokens", "{\"subject\":\"user:\xfe\"}", []string{"subject: not valid UTF-8"}, ""},
		{"duplicate key in a connection", "POST", "/api/v1/connection",
			strings.Replace(conn, `"username":"u"`, `"username":"u","username":"v"`, 1), []string{"spec.username: duplicate key"}, ""},
		{"duplicate top-level key", "PUT", "/api/v1/connection/x", `{"id":"x","id":"y","spec":{}}`, []string{"id: duplicate key"}, ""},
		{"duplicate key in a namespace", "POST", "/api/v1/namespaces", `{"name":"a","name":"b"}`, []string{"name: duplicate key"}, ""},
		{"duplicate key in a role binding", "POST", "/api/v1/rolebindings",
			`{"subject":"user:a","role":"viewer","role":"admin","namespace":"default"}`, []string{"role: duplicate key"}, ""},
		{"duplicate key in a token", "POST", "/api/v1/tokens", `{"subject":"user:a","subject":"user:admin"}`, []string{"subject: duplicate key"}, ""},
		{"trailing data after a namespace", "POST", "/api/v1/namespaces", `{"name":"a"} {"name":"b"}`, []string{"data after the JSON value"}, ""},
		{"trailing data after a role binding", "POST", "/api/v1/rolebindings",
			`{"subject":"user:a","role":"viewer","namespace":"default"}x`, []string{"data after the JSON value"}, ""},
		{"trailing data after a token", "POST", "/api/v1/tokens", `{"subject":"user:a"}]`, []string{"data after the JSON value"}, ""},
		{"trailing data after a connection", "POST", "/api/v1/connection", conn + `{}`, []string{"data after the JSON value"}, ""},
		{"parameter of the wrong type", "POST", "/api/v1/namespaces/default/connection",
			`{"id":"x","spec":{"type":"s3","parameters":{"endpoint":[1]}}}`,
			[]string{"spec.parameters.endpoint: must be a string, not an array"}, "spec.parameters.spec.parameters"},
		{"parameters of the wrong type", "POST", "/api/v1/namespaces/default/connection",
			`{"id":"x","spec":{"type":"s3","parameters":5}}`,
			[]string{"spec.parameters: must be an object, not a number"}, "spec.parameters.spec.parameters"},
		{"access body not an object", "POST", "/api/v1/namespaces", `["a"]`, []string{"request body must be a JSON object, not an array"}, "field  has"},
		{"access field of the wrong type", "POST", "/api/v1/tokens", `{"subject":5}`, []string{"subject: must be a string, not number"}, "field  has"},
		{"access unknown field", "POST", "/api/v1/namespaces", `{"name":"a","nmae":"b"}`, []string{"nmae: unknown field"}, ""},
		{"nested too deeply", "POST", "/api/v1/namespaces", `{"name":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
			[]string{"nested more than"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(c.method, c.path, c.body)
			mustStatus(t, r, http.StatusBadRequest)
			msg := r.message(t)
			for _, m := range c.mentions {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
			if c.absent != "" && strings.Contains(msg, c.absent) {
				t.Errorf("message %q contains %q", msg, c.absent)
			}
		})
	}
	var list []any
	s.do("GET", "/api/v1/namespaces", "").json(t, &list)
	if len(list) != 1 {
		t.Errorf("refused bodies left %d namespaces, want only the default one", len(list))
	}
}
