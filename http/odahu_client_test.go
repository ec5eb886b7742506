package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// What Odahu-flow 1.6.1's Python SDK and odahuflowctl (which calls the SDK)
// send and read, from packages/sdk/odahuflow/sdk/models/connection.py,
// base_model_.py, clients/connection.py, clients/api.py and
// packages/cli/odahuflow/cli/parsers/connection.py:
//   - create: POST /api/v1/connection, edit: PUT /api/v1/connection, both
//     with requests' json=conn.to_dict(): json.dumps with ", " and ": ",
//     "kind" first, then every attribute of the model in its swagger_types
//     order, None as null;
//   - get: GET /api/v1/connection/{id}[/decrypted], delete: DELETE
//     /api/v1/connection/{id}, reading ["message"];
//   - odahuflowctl login: GET /health;
//   - Connection.from_dict reads id, spec, status, and createdAt/updatedAt
//     at the top level; errors are read from {"message"}.

// sdkSpecOrder is ConnectionSpec.swagger_types' order.
var sdkSpecOrder = []string{"description", "keyID", "keySecret", "password", "publicKey", "reference",
	"region", "role", "type", "uri", "username", "vital", "webUILink"}

// sdkPayload returns the bytes the SDK sends for a Connection: fields not in
// top or spec are null. top holds createdAt, id, status, updatedAt as raw
// JSON (e.g. `"x"` or `{"secretName": null, "serviceAccount": null}`).
func sdkPayload(t *testing.T, top map[string]string, spec map[string]any) string {
	t.Helper()
	raw := func(v any) string {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "raw:") {
			return strings.TrimPrefix(s, "raw:")
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // Python's json.dumps escapes no HTML
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	field := func(m map[string]any, k string) string {
		if v, ok := m[k]; ok {
			return raw(v)
		}
		return "null"
	}
	var sp []string
	for _, k := range sdkSpecOrder {
		sp = append(sp, `"`+k+`": `+field(spec, k))
	}
	topv := func(k string) string {
		if v, ok := top[k]; ok {
			return v
		}
		return "null"
	}
	return `{"kind": "Connection", "createdAt": ` + topv("createdAt") + `, "id": ` + topv("id") +
		`, "spec": {` + strings.Join(sp, ", ") + `}, "status": ` + topv("status") + `, "updatedAt": ` + topv("updatedAt") + `}`
}

// sdkConnection is what Connection.from_dict reads.
type sdkConnection struct {
	ID        string         `json:"id"`
	CreatedAt string         `json:"createdAt"`
	UpdatedAt string         `json:"updatedAt"`
	Spec      map[string]any `json:"spec"`
	Status    map[string]any `json:"status"`
}

// sdkDo sends body as the SDK's requests session does.
func (s *stack) sdkDo(method, path, body string) response {
	s.t.Helper()
	if body == "" {
		return s.do(method, path, "")
	}
	return s.do(method, path, body, "Content-Type", "application/json")
}

func readSDK(t *testing.T, r response) sdkConnection {
	t.Helper()
	var c sdkConnection
	r.json(t, &c)
	for name, v := range map[string]string{"createdAt": c.CreatedAt, "updatedAt": c.UpdatedAt} {
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			t.Errorf("top-level %s = %q, want a timestamp where the SDK reads it", name, v)
		}
	}
	return c
}

// odahuDocker is Odahu's e2e docker_connection_create.json as the SDK
// sends it; odahuDockerUpdate its docker_connection_update.json.
func odahuDocker(t *testing.T, uri, desc string) string {
	return sdkPayload(t, map[string]string{"id": `"docker-ci-connection-valid"`}, map[string]any{
		"description": desc, "password": "e3Bhc3N3b3JkfQ==", "type": "docker", "uri": uri,
		"username": "docker_user", "webUILink": "https://" + uri})
}

// TestOdahuSDKConnectionFlow runs Odahu's API_connection.robot flow with
// the SDK's exact requests, and checks what the SDK reads back.
func TestOdahuSDKConnectionFlow(t *testing.T) {
	s := newStack(t)
	create := odahuDocker(t, "gcr.io/or2-msq-epmd-legn-t1iylu/gke-dev04", "Default GCR docker repository for model packaging")
	r := s.sdkDo("POST", "/api/v1/connection", create)
	mustStatus(t, r, http.StatusCreated)
	got := readSDK(t, r)
	if got.ID != "docker-ci-connection-valid" || got.Spec["password"] != "*****" || got.Spec["username"] != "docker_user" {
		t.Errorf("create answered %+v", got)
	}

	r = s.sdkDo("POST", "/api/v1/connection", create)
	mustStatus(t, r, http.StatusConflict)
	if msg := r.message(t); msg != `entity "docker-ci-connection-valid" already exists` {
		t.Errorf("duplicate create: message %q", msg)
	}

	time.Sleep(10 * time.Millisecond) // createdAt and updatedAt must differ
	r = s.sdkDo("PUT", "/api/v1/connection", odahuDocker(t, "gcr.io/updated/", "updated"))
	mustStatus(t, r, http.StatusOK)
	readSDK(t, r)
	got = readSDK(t, s.sdkDo("GET", "/api/v1/connection/docker-ci-connection-valid", ""))
	if got.Spec["description"] != "updated" || got.CreatedAt == got.UpdatedAt {
		t.Errorf("after edit: description %v, createdAt %s, updatedAt %s", got.Spec["description"], got.CreatedAt, got.UpdatedAt)
	}
	dec := readSDK(t, s.sdkDo("GET", "/api/v1/connection/docker-ci-connection-valid/decrypted", ""))
	if dec.Spec["password"] != "e3Bhc3N3b3JkfQ==" {
		t.Errorf("decrypted password = %v", dec.Spec["password"])
	}

	var list []sdkConnection
	s.sdkDo("GET", "/api/v1/connection", "").json(t, &list)
	if len(list) != 1 || list[0].CreatedAt == "" || list[0].UpdatedAt == "" {
		t.Errorf("list = %+v, want one connection with top-level createdAt and updatedAt", list)
	}

	r = s.sdkDo("DELETE", "/api/v1/connection/docker-ci-connection-valid", "")
	mustStatus(t, r, http.StatusOK)
	if msg := r.message(t); msg == "" {
		t.Error("delete: no message, which the SDK returns")
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/connection/docker-ci-connection-valid", ""},
		{"GET", "/api/v1/connection/docker-ci-connection-valid/decrypted", ""},
		{"DELETE", "/api/v1/connection/docker-ci-connection-valid", ""},
		{"PUT", "/api/v1/connection", create},
	} {
		r := s.sdkDo(c.method, c.path, c.body)
		mustStatus(t, r, http.StatusNotFound)
		if msg := r.message(t); msg != `entity "docker-ci-connection-valid" is not found` {
			t.Errorf("%s %s: message %q", c.method, c.path, msg)
		}
	}
}

// TestOdahuSDKEditsWhatItRead: the SDK's edit of a connection it read
// sends back the top-level timestamps, its own status fields and masked
// secrets; the stored secrets are kept.
func TestOdahuSDKEditsWhatItRead(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.sdkDo("POST", "/api/v1/connection", odahuDocker(t, "gcr.io/project/odahuflow", "first")), http.StatusCreated)
	read := readSDK(t, s.sdkDo("GET", "/api/v1/connection/docker-ci-connection-valid", ""))
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	body := sdkPayload(t, map[string]string{
		"createdAt": q(read.CreatedAt), "id": q(read.ID), "updatedAt": q(read.UpdatedAt),
		"status": `{"secretName": null, "serviceAccount": null}`,
	}, map[string]any{"description": "second", "password": "*****", "type": "docker",
		"uri": "gcr.io/project/odahuflow", "username": "docker_user", "vital": false})
	r := s.sdkDo("PUT", "/api/v1/connection", body)
	mustStatus(t, r, http.StatusOK)
	dec := readSDK(t, s.sdkDo("GET", "/api/v1/connection/docker-ci-connection-valid/decrypted", ""))
	if dec.Spec["password"] != "e3Bhc3N3b3JkfQ==" || dec.Spec["description"] != "second" {
		t.Errorf("after edit: %+v", dec.Spec)
	}
	if dec.CreatedAt != read.CreatedAt {
		t.Errorf("createdAt changed from %s to %s: it is server-owned", read.CreatedAt, dec.CreatedAt)
	}
}

// TestOdahuValidationMessages: Odahu's negative e2e cases, as the SDK
// sends them, get Odahu's prefix with every offending field after it;
// invalid input is refused before the connection is looked up.
func TestOdahuValidationMessages(t *testing.T) {
	s := newStack(t)
	cases := []struct {
		name, method, body string
		fields             []string
	}{
		{"ecr_no_required_parameters.json", "POST", sdkPayload(t, map[string]string{"id": `"ecr-no-required-parameters"`},
			map[string]any{"type": "ecr"}), []string{"spec.uri", "spec.keyID", "spec.keySecret"}},
		{"git_no_required_parameters.json (no id)", "POST", sdkPayload(t, nil, map[string]any{
			"description": "Git repository with the Odahu-Flow examples", "webUILink": "https://github.com/odahu/odahu-examples",
			"type": "git", "username": "admin", "password": "e3Bhc3N3b3JkfQ=="}), []string{"id: required", "spec.uri"}},
		{"invalid PUT of a connection that does not exist", "PUT", sdkPayload(t, map[string]string{"id": `"s3-no-required-parameters"`},
			map[string]any{"type": "s3", "keyID": "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=",
				"uri": "s3://eks-legion-test-data-store/test-data/data/wine-quality.csv"}), []string{"spec.region"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.sdkDo(c.method, "/api/v1/connection", c.body)
			mustStatus(t, r, http.StatusBadRequest)
			msg := r.message(t)
			if !strings.HasPrefix(msg, "Validation of connection is failed: ") {
				t.Errorf("message %q lacks Odahu's prefix", msg)
			}
			for _, f := range c.fields {
				if !strings.Contains(msg, f) {
					t.Errorf("message %q does not name %s", msg, f)
				}
			}
		})
	}
}

// TestOdahuFieldsRoundTrip: fields Odahu accepts on any type are kept,
// secrets sealed and masked; an ECR image uri gives its region.
func TestOdahuFieldsRoundTrip(t *testing.T) {
	s := newStack(t)
	sas := "aHR0cHM6Ly9teWFjY291bnQuYmxvYi5jb3JlLndpbmRvd3MubmV0Lz9zdj0yMDE5LTAyLTAyJnNpZz1hYmM="
	cases := []struct {
		id         string
		spec       map[string]any
		masked     map[string]any
		region     string
		wantSecret map[string]string
	}{
		{"azure-odahu", map[string]any{"type": "azureblob", "uri": "raw-data/model/input", "keySecret": sas,
			"username": "admin", "password": "e3Bhc3N3b3JkfQ==", "region": "westeurope"},
			map[string]any{"username": "admin", "password": "*****", "keySecret": "*****"}, "westeurope",
			map[string]string{"password": "e3Bhc3N3b3JkfQ==", "keySecret": sas}},
		{"ecr-odahu", map[string]any{"type": "ecr", "keyID": "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "keySecret": "c2VjcmV0",
			"uri": "7777777777.dkr.ecr.eu-central-1.amazonaws.com/cluster-name/counter-3.3:886a4942-138d-460c-8f3c-eb3b3d2e1d98"},
			map[string]any{"keyID": "*****", "keySecret": "*****"}, "eu-central-1",
			map[string]string{"keyID": "QUtJQUlPU0ZPRE5ON0VYQU1QTEU="}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			r := s.sdkDo("POST", "/api/v1/connection", sdkPayload(t, map[string]string{"id": `"` + c.id + `"`}, c.spec))
			mustStatus(t, r, http.StatusCreated)
			got := readSDK(t, s.sdkDo("GET", "/api/v1/connection/"+c.id, ""))
			for k, v := range c.masked {
				if got.Spec[k] != v {
					t.Errorf("read spec.%s = %v, want %v", k, got.Spec[k], v)
				}
			}
			if got.Spec["region"] != c.region {
				t.Errorf("region = %v, want %s", got.Spec["region"], c.region)
			}
			dec := readSDK(t, s.sdkDo("GET", "/api/v1/connection/"+c.id+"/decrypted", ""))
			for k, v := range c.wantSecret {
				if dec.Spec[k] != v {
					t.Errorf("decrypted spec.%s differs from what was posted", k)
				}
			}
			for _, secret := range []string{"e3Bhc3N3b3JkfQ==", "{password}", "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "AKIAIOSFODNN7EXAMPLE"} {
				if s.storeHolds(secret) {
					t.Errorf("the store holds a secret in the clear")
				}
			}
		})
	}
}

// storeHolds reports whether the SQLite files hold v.
func (s *stack) storeHolds(v string) bool {
	s.t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.dir, "tether.db*"))
	if len(files) == 0 {
		s.t.Fatal("no store files")
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(v)) {
			return true
		}
	}
	return false
}

// TestOdahuHealth: odahuflowctl login calls GET /health first, with or
// without a token.
func TestOdahuHealth(t *testing.T) {
	s := newStack(t)
	for _, token := range []string{"", s.token} {
		r := s.doAs(token, "GET", "/health", "")
		mustStatus(t, r, http.StatusOK)
		var body map[string]string
		r.json(t, &body)
		if diff := cmp.Diff(map[string]string{"status": "ok"}, body); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	}
}

// TestNamespacedMessagesNameTheNamespace: the namespaced routes say where
// a connection is missing or taken, and keep Tether's own words.
func TestNamespacedMessagesNameTheNamespace(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/namespaces", `{"name":"team-a"}`), http.StatusCreated)
	mustStatus(t, s.do("POST", "/api/v1/namespaces/team-a/connection", s3Example), http.StatusCreated)
	cases := []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/api/v1/namespaces/team-a/connection/x", "", 404, `connection "x" is not found in namespace "team-a"`},
		{"GET", "/api/v1/namespaces/default/connection/x/decrypted", "", 404, `connection "x" is not found in namespace "default"`},
		{"DELETE", "/api/v1/namespaces/team-a/connection/x", "", 404, `connection "x" is not found in namespace "team-a"`},
		{"PUT", "/api/v1/namespaces/team-a/connection/x", strings.Replace(s3Example, `"training-data"`, `"x"`, 1), 404,
			`connection "x" is not found in namespace "team-a"`},
		{"POST", "/api/v1/namespaces/team-a/connection", s3Example, 409, `connection "training-data" already exists in namespace "team-a"`},
		{"POST", "/api/v1/namespaces/team-a/connection", `{"spec":{"type":"s3"}}`, 400, `connection is invalid: id: required`},
		{"POST", "/api/v1/namespaces/nope/connection", s3Example, 404, `namespace "nope" not found`},
	}
	for _, c := range cases {
		r := s.do(c.method, c.path, c.body)
		mustStatus(t, r, c.status)
		if msg := r.message(t); !strings.HasPrefix(msg, c.msg) {
			t.Errorf("%s %s: message %q, want %q", c.method, c.path, msg, c.msg)
		}
	}
}
