package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBodyTextRefused: on both stores, names, subjects, descriptions and
// connection ids in request bodies that hold control characters (NUL, CR,
// escape sequences, C1 controls) get a 400 naming the field, never a 500,
// a failed audit write or a write.
func TestBodyTextRefused(t *testing.T) {
	conn := func(id, desc string) string {
		return `{"id":"` + id + `","spec":{"type":"docker","uri":"registry.example","username":"u",` +
			`"password":"cGFzcw==","description":"` + desc + `"}}`
	}
	cases := []struct {
		method, path, body, field string
	}{
		{"POST", "/api/v1/rolebindings", `{"subject":"user:a\u0000b","role":"viewer","namespace":"default"}`, "subject"},
		{"POST", "/api/v1/rolebindings", `{"subject":"user:a\u001b[31mb","role":"viewer","namespace":"default"}`, "subject"},
		{"POST", "/api/v1/rolebindings", `{"subject":"group:ops\u0085","role":"viewer","namespace":"default"}`, "subject"},
		{"POST", "/api/v1/rolebindings", `{"subject":"user:ann","role":"viewer","namespace":"de\u0000fault"}`, "namespace"},
		{"POST", "/api/v1/rolebindings", `{"subject":"user:ann","role":"viewer","namespace":"` + strings.Repeat("n", 5000) + `"}`, "namespace"},
		{"POST", "/api/v1/tokens", `{"subject":"user:a\u0000b"}`, "subject"},
		{"POST", "/api/v1/tokens", `{"subject":"user:x\u009b31m"}`, "subject"},
		{"POST", "/api/v1/tokens", `{"subject":"user:x\u007f"}`, "subject"},
		{"POST", "/api/v1/namespaces", `{"name":"a\u0000"}`, "name"},
		{"POST", "/api/v1/namespaces", `{"name":"` + strings.Repeat("n", 5000) + `"}`, "name"},
		{"POST", "/api/v1/connection", conn("desc-new", `ok\rforged row`), "spec.description"},
		{"POST", "/api/v1/connection", conn("desc-new", `\u001b]0;title\u0007`), "spec.description"},
		{"POST", "/api/v1/connection", conn("desc-new", `a\u0000b`), "spec.description"},
		{"PUT", "/api/v1/connection/desc-old", conn("desc-old", `two\nlines`), "spec.description"},
		{"PUT", "/api/v1/namespaces/default/connection", conn("desc-old", `\u009b2J`), "spec.description"},
		{"POST", "/api/v1/connection", conn(`a\u0000b`, "ok"), "id:"},
		{"PUT", "/api/v1/connection", conn(`a\u0000b`, "ok"), "id:"},
		{"PUT", "/api/v1/namespaces/default/connection", conn(`x\u001b[2J`, "ok"), "id:"},
		{"PUT", "/api/v1/connection", conn(strings.Repeat("i", 5000), "ok"), "id:"},
	}
	for _, st := range bothStores() {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			mustStatus(t, s.do("POST", "/api/v1/connection", conn("desc-old", "Registry of the team, v2 — «prod»")), http.StatusCreated)
			nobody := s.issue(t, "user:nobody")
			for _, tc := range cases {
				callers := []string{s.token}
				if strings.HasPrefix(tc.field, "id") {
					// A caller with no role is refused before its denial
					// could be audited with that id.
					callers = append(callers, nobody)
				}
				for _, token := range callers {
					r := s.doAs(token, tc.method, tc.path, tc.body)
					if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), tc.field) {
						t.Errorf("%s %s %.80s: status %d, body %.300s; want 400 naming %s", tc.method, tc.path, tc.body, r.status, r.body, tc.field)
					}
				}
			}
			mustStatus(t, s.do("GET", "/api/v1/connection/desc-new", ""), http.StatusNotFound)
			if b := s.do("GET", "/api/v1/rolebindings", ""); strings.Contains(string(b.body), "user:a") {
				t.Errorf("a refused binding was stored: %s", b.body)
			}
			if strings.Contains(s.logs.String(), `"level":"ERROR"`) {
				t.Errorf("the server logged errors:\n%.2000s", s.logs.String())
			}
		})
	}
}
