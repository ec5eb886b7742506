package main_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestOdahuClientsOnBothStores sends, to the real binary on SQLite and on
// PostgreSQL, the requests of Odahu 1.6.1's odahuflowctl and Python SDK
// (login's GET /health, then create, duplicate create, edit of a missing
// connection, get) byte for byte, and checks what they read back.
func TestOdahuClientsOnBothStores(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) *server{
		"sqlite":     func(t *testing.T) *server { return startServer(t, serverOptions{}) },
		"postgresql": func(t *testing.T) *server { return newPGReplicas(t).start() },
	}
	// Connection.to_dict() of Odahu's e2e docker_connection_create.json, as
	// requests' json= sends it.
	const create = `{"kind": "Connection", "createdAt": null, "id": "docker-ci-connection-valid", "spec": ` +
		`{"description": "Default GCR docker repository for model packaging", "keyID": null, "keySecret": null, ` +
		`"password": "e3Bhc3N3b3JkfQ==", "publicKey": null, "reference": null, "region": null, "role": null, ` +
		`"type": "docker", "uri": "gcr.io/or2-msq-epmd-legn-t1iylu/gke-dev04", "username": "docker_user", ` +
		`"vital": null, "webUILink": "https://gcr.io/or2-msq-epmd-legn-t1iylu/gke-dev04"}, "status": null, "updatedAt": null}`
	for name, start := range stores {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			if code, _, body := s.apiWith("", "GET", "/health", nil); code != http.StatusOK {
				t.Fatalf("GET /health without a token: %d %s", code, body)
			}
			cases := []struct {
				method, path, body string
				code               int
				message            string
			}{
				{"POST", "/api/v1/connection", create, 201, ""},
				{"POST", "/api/v1/connection", create, 409, `entity "docker-ci-connection-valid" already exists`},
				{"DELETE", "/api/v1/connection/missing", "", 404, `entity "missing" is not found`},
				{"GET", "/api/v1/connection/docker-ci-connection-valid", "", 200, ""},
			}
			for _, c := range cases {
				var body any
				if c.body != "" {
					body = c.body
				}
				code, raw := s.api(c.method, c.path, body)
				var got struct {
					Message   string         `json:"message"`
					CreatedAt string         `json:"createdAt"`
					UpdatedAt string         `json:"updatedAt"`
					Spec      map[string]any `json:"spec"`
				}
				_ = json.Unmarshal(raw, &got)
				switch {
				case code != c.code:
					t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, raw, c.code)
				case c.message != "" && got.Message != c.message:
					t.Errorf("%s %s: message %q, want %q", c.method, c.path, got.Message, c.message)
				case c.message == "" && (got.CreatedAt == "" || got.UpdatedAt == "" || got.Spec["password"] != "*****"):
					t.Errorf("%s %s: %s, want top-level createdAt and updatedAt and a masked password", c.method, c.path, raw)
				}
			}
		})
	}
}
