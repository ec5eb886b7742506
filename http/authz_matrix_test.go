package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// matrixRoute is one route of the authorization matrix: the permission it
// needs, where, and its answer when allowed.
type matrixRoute struct {
	method, path, body string // {ns} and {id} are filled in
	perm               tether.Permission
	requires           tether.Permission // checked before perm, if set
	global             bool              // needs the permission in every namespace
	ok                 int
	// missing is the answer, when allowed, in a namespace that does not
	// exist (only an admin of every namespace gets that far).
	missing int
}

func matrixRoutes() []matrixRoute {
	conn := `{"id":"{id}","spec":{"type":"docker","uri":"registry.example","username":"u","password":"cGFzcw=="}}`
	// A registry at a closed port of 127.0.0.1, which the stack's tests may
	// reach: its test runs and fails at once.
	closed := `{"id":"{id}","spec":{"type":"docker","uri":"127.0.0.1:1/team/model","username":"u","password":"cGFzcw=="}}`
	return []matrixRoute{
		{"GET", "/api/v1/namespaces/{ns}/connection", "", tether.PermRead, "", false, 200, 200},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared", "", tether.PermRead, "", false, 200, 404},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared/decrypted", "", tether.PermReveal, "", false, 200, 404},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared/usage", "", tether.PermWrite, "", false, 200, 404},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared/history", "", tether.PermRead, "", false, 200, 404},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared/history/1", "", tether.PermRead, "", false, 200, 404},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared/history/1?decrypted=true", "", tether.PermReveal, "", false, 200, 404},
		{"GET", "/api/v1/namespaces/{ns}/connection/shared/history/1/diff/1", "", tether.PermRead, "", false, 200, 404},
		{"POST", "/api/v1/namespaces/{ns}/connection/shared/rollback", `{"version":1}`, tether.PermWrite, "", false, 200, 404},
		{"POST", "/api/v1/namespaces/{ns}/connection", conn, tether.PermWrite, "", false, 201, 404},
		{"POST", "/api/v1/namespaces/{ns}/connection", strings.Replace(conn, `"username"`, `"vital":true,"username"`, 1), tether.PermVital, tether.PermWrite, false, 201, 404},
		{"PUT", "/api/v1/namespaces/{ns}/connection/shared", strings.ReplaceAll(conn, "{id}", "shared"), tether.PermWrite, "", false, 200, 404},
		{"PUT", "/api/v1/namespaces/{ns}/connection", strings.ReplaceAll(conn, "{id}", "shared"), tether.PermWrite, "", false, 200, 404},
		{"DELETE", "/api/v1/namespaces/{ns}/connection/{id}", "", tether.PermWrite, "", false, 200, 404},
		{"POST", "/api/v1/namespaces/{ns}/connection/shared/test", "", tether.PermTest, "", false, 200, 404},
		{"POST", "/api/v1/namespaces/{ns}/connection/test", closed, tether.PermWrite, tether.PermTest, false, 200, 200},
		{"GET", "/api/v1/namespaces/{ns}", "", tether.PermRead, "", false, 200, 404},
		{"GET", "/api/v1/rolebindings?namespace={ns}", "", tether.PermBindings, "", false, 200, 200},
		{"POST", "/api/v1/rolebindings", `{"subject":"user:{id}","role":"viewer","namespace":"{ns}"}`, tether.PermBindings, "", false, 201, 404},
		{"GET", "/api/v1/audit?namespace={ns}", "", tether.PermAudit, "", false, 200, 200},
		{"POST", "/api/v1/namespaces", `{"name":"{id}"}`, tether.PermNamespaces, "", true, 201, 201},
		{"DELETE", "/api/v1/namespaces/{id}", "", tether.PermNamespaces, "", true, 200, 200},
		{"GET", "/api/v1/tokens", "", tether.PermTokens, "", true, 200, 200},
		{"POST", "/api/v1/tokens", `{"subject":"user:{id}"}`, tether.PermTokens, "", true, 201, 201},
		{"GET", "/api/v1/rolebindings", "", tether.PermBindings, "", true, 200, 200},
		{"GET", "/api/v1/audit", "", tether.PermAudit, "", true, 200, 200},
		{"GET", "/api/v1/backup", "", tether.PermBackup, "", true, 200, 200},
		{"POST", "/api/v1/keys/rotate", "", tether.PermRotateKeys, "", true, 200, 200},
		{"POST", "/api/v1/restore", "not a backup\n", tether.PermBackup, "", true, 400, 400},
		{"DELETE", "/api/v1/tokens/{id}", "", tether.PermTokens, "", true, 200, 200},
		// Odahu's routes address the namespace default, where the callers
		// bound in "own" hold no role: for them it is an "other" namespace.
		{"GET", "/api/v1/connection", "", tether.PermRead, "", false, 200, 200},
		{"GET", "/api/v1/connection/shared", "", tether.PermRead, "", false, 200, 200},
		{"GET", "/api/v1/connection/shared/decrypted", "", tether.PermReveal, "", false, 200, 200},
		{"POST", "/api/v1/connection", conn, tether.PermWrite, "", false, 201, 201},
		{"PUT", "/api/v1/connection", strings.ReplaceAll(conn, "{id}", "shared"), tether.PermWrite, "", false, 200, 200},
		{"DELETE", "/api/v1/connection/{id}", "", tether.PermWrite, "", false, 200, 200},
		{"POST", "/api/v1/connection/shared/test", "", tether.PermTest, "", false, 200, 200},
		{"POST", "/api/v1/connection/test", closed, tether.PermWrite, tether.PermTest, false, 200, 200},
	}
}

// matrixCaller is a token whose subject holds role in the namespace own
// (or in every namespace when everywhere), or no role at all.
type matrixCaller struct {
	name       string
	role       tether.Role
	everywhere bool
	token      string
}

// TestAuthorizationMatrix: every route, as every role (bound in one
// namespace, or in every namespace) and as a caller with no role, against
// the caller's namespace, another existing one, and one that does not
// exist. Allowed calls succeed; a missing permission is 403 naming it; a
// namespace the caller holds no role in is 404, whether it exists or not.
func TestAuthorizationMatrix(t *testing.T) {
	s := newStack(t)
	for _, ns := range []string{"own", "other", tether.DefaultNamespace} {
		if ns != tether.DefaultNamespace {
			mustStatus(t, s.do("POST", "/api/v1/namespaces", `{"name":"`+ns+`"}`), http.StatusCreated)
		}
		mustStatus(t, s.do("POST", "/api/v1/namespaces/"+ns+"/connection", `{"id":"shared","spec":{"type":"docker","uri":"127.0.0.1:1/team/model","username":"u","password":"cGFzcw=="}}`), http.StatusCreated)
	}
	callers := []*matrixCaller{{name: "nobody"}}
	for _, r := range tether.Roles {
		callers = append(callers, &matrixCaller{name: "a-" + string(r), role: r}, &matrixCaller{name: "a-" + string(r) + "-everywhere", role: r, everywhere: true})
	}
	for _, c := range callers {
		c.token = s.issue(t, "user:"+c.name)
		if c.role == "" {
			continue
		}
		ns := "own"
		if c.everywhere {
			ns = tether.AllNamespaces
		}
		mustStatus(t, s.do("POST", "/api/v1/rolebindings", fmt.Sprintf(`{"subject":"user:%s","role":%q,"namespace":%q}`, c.name, c.role, ns)), http.StatusCreated)
	}
	n := 0
	for _, c := range callers {
		for _, target := range []string{"own", "other", "missing"} {
			for _, rt := range matrixRoutes() {
				n++
				id := fmt.Sprintf("m%d", n)
				pathID := id
				if rt.method == "DELETE" {
					pathID = s.prepare(t, rt, target, id)
				}
				path := strings.NewReplacer("{ns}", target, "{id}", pathID).Replace(rt.path)
				body := strings.NewReplacer("{ns}", target, "{id}", id).Replace(rt.body)
				r := s.doAs(c.token, rt.method, path, body)
				effective := target
				if !strings.Contains(rt.path+rt.body, "{ns}") && !rt.global {
					effective = "default" // Odahu's routes
				}
				want := expected(c, rt, effective)
				if r.status != want {
					t.Errorf("%s %s as %s: %d, want %d (%.200s)", rt.method, path, c.name, r.status, want, r.body)
				} else if want == http.StatusForbidden && !strings.Contains(r.message(t), string(missingPerm(c, rt))) {
					t.Errorf("%s %s as %s: 403 without the permission's name: %.200s", rt.method, path, c.name, r.body)
				}
			}
		}
	}
}

// documented is the documented permission table of the roles, written out
// here rather than read from the code under test.
var documented = map[tether.Role][]tether.Permission{
	tether.RoleViewer: {tether.PermRead},
	tether.RoleUser:   {tether.PermRead, tether.PermReveal, tether.PermTest},
	tether.RoleEditor: {tether.PermRead, tether.PermReveal, tether.PermTest, tether.PermWrite},
	tether.RoleAdmin: {tether.PermRead, tether.PermReveal, tether.PermTest, tether.PermWrite, tether.PermVital, tether.PermBindings,
		tether.PermTokens, tether.PermNamespaces, tether.PermRotateKeys, tether.PermBackup, tether.PermAudit},
}

// missingPerm is the first permission the route needs that the caller's
// role lacks (by the documented table), or "".
func missingPerm(c *matrixCaller, rt matrixRoute) tether.Permission {
	for _, need := range []tether.Permission{rt.requires, rt.perm} {
		if need == "" {
			continue
		}
		held := false
		for _, p := range documented[c.role] {
			held = held || p == need
		}
		if !held {
			return need
		}
	}
	return ""
}

// expected is the exact status of one cell of the matrix.
func expected(c *matrixCaller, rt matrixRoute, target string) int {
	holds := missingPerm(c, rt) == ""
	switch {
	case rt.global && c.everywhere && holds:
		return rt.ok
	case rt.global:
		return http.StatusForbidden
	case c.everywhere && holds && target == "missing":
		return rt.missing
	case target == "default" && !c.everywhere && c.role != "":
		return http.StatusNotFound // bound in "own" only
	case c.everywhere && holds:
		return rt.ok
	case c.everywhere:
		return http.StatusForbidden
	case target != "own" || c.role == "":
		return http.StatusNotFound
	case holds:
		return rt.ok
	}
	return http.StatusForbidden
}

// prepare creates what a deleting route deletes, as the bootstrap admin,
// and returns the id to delete.
func (s *stack) prepare(t *testing.T, rt matrixRoute, target, id string) string {
	t.Helper()
	switch {
	case strings.Contains(rt.path, "namespaces/{id}"):
		mustStatus(t, s.do("POST", "/api/v1/namespaces", `{"name":"`+id+`"}`), http.StatusCreated)
		return id
	case strings.HasPrefix(rt.path, "/api/v1/tokens/"):
		r := s.do("POST", "/api/v1/tokens", `{"subject":"user:`+id+`"}`)
		mustStatus(t, r, http.StatusCreated)
		return jsonField(t, r.body, "id")
	case !strings.Contains(rt.path+rt.body, "{ns}"):
		target = tether.DefaultNamespace
	}
	if target != "missing" {
		mustStatus(t, s.do("POST", "/api/v1/namespaces/"+target+"/connection",
			`{"id":"`+id+`","spec":{"type":"docker","uri":"r.example","username":"u","password":"cGFzcw=="}}`), http.StatusCreated)
	}
	return id
}

// issue creates an API token for subject as the bootstrap admin.
func (s *stack) issue(t *testing.T, subject string) string {
	t.Helper()
	r := s.do("POST", "/api/v1/tokens", `{"subject":"`+subject+`"}`)
	mustStatus(t, r, http.StatusCreated)
	return jsonField(t, r.body, "token")
}
