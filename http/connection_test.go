package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

func decodeConn(t *testing.T, r response) tether.Connection {
	t.Helper()
	var c tether.Connection
	r.json(t, &c)
	return c
}

func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

func TestOdahuExamplesRoundTrip(t *testing.T) {
	s := newStack(t)
	for _, body := range []string{s3Example, gcsExample, azureExample, dockerExample, ecrExample, gitExample(t)} {
		posted, err := tether.DecodeConnection([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(posted.Spec.Type, func(t *testing.T) {
			created := s.do("POST", "/api/v1/connection", body)
			mustStatus(t, created, http.StatusCreated)
			for _, r := range []response{created, s.do("GET", "/api/v1/connection/"+posted.ID, "")} {
				c := decodeConn(t, r)
				for _, name := range []string{"password", "keyID", "keySecret"} {
					if v := *c.Spec.Field(name); v != "" && v != tether.Mask {
						t.Errorf("%s is not masked in a masked read", name)
					}
				}
				if c.Status.Version != 1 || c.Status.CreatedAt == nil {
					t.Errorf("status = %+v, want version 1 and timestamps", c.Status)
				}
			}
			got := decodeConn(t, s.do("GET", "/api/v1/connection/"+posted.ID+"/decrypted", ""))
			for _, name := range []string{"password", "keyID", "keySecret"} {
				if *got.Spec.Field(name) != *posted.Spec.Field(name) {
					t.Errorf("decrypted %s differs from what was posted", name)
				}
			}
		})
	}
	var list []tether.Connection
	s.do("GET", "/api/v1/connection", "").json(t, &list)
	if len(list) != 6 {
		t.Fatalf("list has %d connections, want 6", len(list))
	}
}

func TestListFilterAndPaging(t *testing.T) {
	s := newStack(t)
	for _, body := range []string{s3Example, gcsExample, dockerExample, ecrExample} {
		mustStatus(t, s.do("POST", "/api/v1/connection", body), http.StatusCreated)
	}
	ids := func(path string) string {
		t.Helper()
		r := s.do("GET", path, "")
		mustStatus(t, r, http.StatusOK)
		var list []tether.Connection
		r.json(t, &list)
		var out []string
		for _, c := range list {
			out = append(out, c.ID)
		}
		return strings.Join(out, ",")
	}
	cases := map[string]string{
		"/api/v1/connection":                                "docker-registry,ecr-registry,gcs-data,training-data",
		"/api/v1/connection?type=s3":                        "training-data",
		"/api/v1/connection?type=s3&type=docker":            "docker-registry,training-data",
		"/api/v1/connection?type=git":                       "",
		"/api/v1/connection?size=2":                         "docker-registry,ecr-registry",
		"/api/v1/connection?size=2&page=1":                  "gcs-data,training-data",
		"/api/v1/connection?size=2&page=2":                  "",
		"/api/v1/connection?type=ecr&type=s3&size=1&page=1": "training-data",
	}
	for path, want := range cases {
		if got := ids(path); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	for _, path := range []string{"?type=bogus", "?size=501", "?size=0", "?page=-1", "?size=x"} {
		r := s.do("GET", "/api/v1/connection"+path, "")
		mustStatus(t, r, http.StatusBadRequest)
	}
}

func TestCreateErrors(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	cases := []struct {
		name, body string
		status     int
		mentions   []string
	}{
		{"duplicate id", s3Example, http.StatusConflict, []string{"training-data"}},
		{"typo in a field", `{"id":"x1","spec":{"type":"s3","uri":"s3://b/p","region":"r","keyID":"QQ==","keysecret":"QQ=="}}`,
			http.StatusBadRequest, []string{"spec.keysecret: unknown field"}},
		{"every problem at once", `{"id":"Bad_ID","spec":{"type":"s3","uri":"s3://b/p","role":"admin","keyID":"%%%"}}`,
			http.StatusBadRequest, []string{"id", "spec.region", "spec.role", "spec.keyID", "spec.keySecret"}},
		{"unknown type", `{"id":"x2","spec":{"type":"gopher","uri":"gopher://x"}}`, http.StatusBadRequest, []string{"spec.type", "gopher"}},
		{"odahu docker example with bad base64", `{"id":"docker-registry","spec":{"type":"docker","uri":"docker.io/odahu/","username":"username","password":"bXlwYXNzd29yZA==="}}`,
			http.StatusBadRequest, []string{"spec.password"}},
		{"not JSON", `{"id":`, http.StatusBadRequest, []string{"JSON"}},
		{"empty body", ``, http.StatusBadRequest, []string{"empty"}},
		{"wrong kind", `{"kind":"Secret","id":"x3","spec":{"type":"docker","uri":"r.io","username":"u","password":"cA=="}}`,
			http.StatusBadRequest, []string{"kind"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do("POST", "/api/v1/connection", c.body)
			mustStatus(t, r, c.status)
			msg := r.message(t)
			for _, m := range c.mentions {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
		})
	}
	var list []tether.Connection
	s.do("GET", "/api/v1/connection", "").json(t, &list)
	if len(list) != 1 {
		t.Errorf("failed creates left %d connections, want 1", len(list))
	}
}

// TestCreateWithoutIDIsRefused: Odahu requires the id; none is invented.
func TestCreateWithoutIDIsRefused(t *testing.T) {
	s := newStack(t)
	for _, path := range []string{"/api/v1/connection", "/api/v1/namespaces/default/connection"} {
		for _, body := range []string{
			`{"spec":{"type":"docker","uri":"registry.example:5000","username":"u","password":"cGFzcw=="}}`,
			`{"id":null,"spec":{"type":"docker","uri":"registry.example:5000","username":"u","password":"cGFzcw=="}}`,
		} {
			r := s.do("POST", path, body)
			mustStatus(t, r, http.StatusBadRequest)
			if msg := r.message(t); !strings.Contains(msg, "id: required") {
				t.Errorf("POST %s without id: message %q does not name id", path, msg)
			}
		}
	}
	var list []tether.Connection
	s.do("GET", "/api/v1/connection", "").json(t, &list)
	if len(list) != 0 {
		t.Errorf("refused creates left %d connections", len(list))
	}
}

func TestUpdateKeepsMaskedOrOmittedSecrets(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	masked := s.do("GET", "/api/v1/connection/training-data", "").body
	withDesc := strings.Replace(string(masked), "Training data for a model", "changed", 1)
	omitted := `{"id":"training-data","spec":{"type":"s3","uri":"s3://raw-data/model/input","region":"eu-central-1","description":"omitted"}}`
	newSecret := `{"id":"training-data","spec":{"type":"s3","uri":"s3://raw-data/model/input","region":"eu-central-1","keyID":"TkVXSUQ=","keySecret":"*****"}}`

	for i, u := range []struct{ method, path, body, keyID, desc string }{
		{"PUT", "/api/v1/connection", withDesc, "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "changed"},
		{"PUT", "/api/v1/connection/training-data", omitted, "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "omitted"},
		{"PUT", "/api/v1/connection/training-data", newSecret, "TkVXSUQ=", ""},
	} {
		r := s.do(u.method, u.path, u.body)
		mustStatus(t, r, http.StatusOK)
		if v := decodeConn(t, r).Status.Version; v != int64(i+2) {
			t.Errorf("update %d: version %d, want %d", i, v, i+2)
		}
		got := decodeConn(t, s.do("GET", "/api/v1/connection/training-data/decrypted", ""))
		if got.Spec.KeyID.Reveal() != u.keyID || got.Spec.Description != u.desc {
			t.Errorf("update %d: keyID/description not as expected", i)
		}
		if got.Spec.KeySecret != "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==" {
			t.Errorf("update %d: keySecret was not kept", i)
		}
	}
}

func TestUpdateErrors(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	mustStatus(t, s.do("PUT", "/api/v1/connection/training-data", s3Example), http.StatusOK) // version 2
	cases := []struct {
		name, path, body string
		headers          []string
		status           int
	}{
		{"unknown id", "/api/v1/connection/nope", `{"spec":{"type":"s3","uri":"s3://raw-data/x","region":"eu-central-1"}}`, nil, http.StatusNotFound},
		{"unknown id, invalid body", "/api/v1/connection/nope", `{"spec":{"type":"s3"}}`, nil, http.StatusBadRequest},
		{"path and body ids differ", "/api/v1/connection/other", s3Example, nil, http.StatusBadRequest},
		{"stale If-Match", "/api/v1/connection/training-data", s3Example, []string{"If-Match", `"1"`}, http.StatusConflict},
		{"stale status.version", "/api/v1/connection/training-data", withVersion(s3Example, 1), nil, http.StatusConflict},
		{"If-Match and body disagree", "/api/v1/connection/training-data", withVersion(s3Example, 2), []string{"If-Match", `"3"`}, http.StatusBadRequest},
		{"bad If-Match", "/api/v1/connection/training-data", s3Example, []string{"If-Match", "abc"}, http.StatusBadRequest},
		{"invalid spec", "/api/v1/connection/training-data", `{"spec":{"type":"s3","uri":"s3://raw-data/x"}}`, nil, http.StatusBadRequest},
		{"current If-Match", "/api/v1/connection/training-data", s3Example, []string{"If-Match", `"2"`}, http.StatusOK},
		{"current status.version", "/api/v1/connection/training-data", withVersion(s3Example, 3), nil, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustStatus(t, s.do("PUT", c.path, c.body, c.headers...), c.status)
		})
	}
}

func withVersion(body string, v int) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	m["status"] = map[string]any{"version": v}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestVitalConnection(t *testing.T) {
	s := newStack(t)
	vital := strings.Replace(dockerExample, `"username"`, `"vital":true,"username"`, 1)
	mustStatus(t, s.do("POST", "/api/v1/connection", vital), http.StatusCreated)
	r := s.do("DELETE", "/api/v1/connection/docker-registry", "")
	mustStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(r.message(t), "vital") {
		t.Errorf("message %q does not say why", r.message(t))
	}
	mustStatus(t, s.do("PUT", "/api/v1/connection/docker-registry", dockerExample), http.StatusBadRequest)
	mustStatus(t, s.do("PUT", "/api/v1/connection/docker-registry", vital), http.StatusOK)
	mustStatus(t, s.do("DELETE", "/api/v1/connection/docker-registry", ""), http.StatusBadRequest)
	mustStatus(t, s.do("PUT", "/api/v1/connection/docker-registry?force=true", dockerExample), http.StatusOK)
	r = s.do("DELETE", "/api/v1/connection/docker-registry", "")
	mustStatus(t, r, http.StatusOK)
	if r.message(t) != "Connection docker-registry was deleted" {
		t.Errorf("delete message %q", r.message(t))
	}
	mustStatus(t, s.do("DELETE", "/api/v1/connection/docker-registry", ""), http.StatusNotFound)
	mustStatus(t, s.do("GET", "/api/v1/connection/docker-registry", ""), http.StatusNotFound)
}

func TestTimestampsPersistAcrossUpdates(t *testing.T) {
	s := newStack(t)
	created := decodeConn(t, s.do("POST", "/api/v1/connection", s3Example))
	updated := decodeConn(t, s.do("PUT", "/api/v1/connection/training-data", s3Example))
	if !updated.Status.CreatedAt.Equal(*created.Status.CreatedAt) {
		t.Errorf("createdAt changed: %v -> %v", created.Status.CreatedAt, updated.Status.CreatedAt)
	}
	if updated.Status.UpdatedAt.Before(*created.Status.UpdatedAt) {
		t.Errorf("updatedAt went back")
	}
	got := decodeConn(t, s.do("GET", "/api/v1/connection/training-data", ""))
	if !got.Status.UpdatedAt.Equal(*updated.Status.UpdatedAt) || got.Status.Version != 2 {
		t.Errorf("read status %+v, want %+v", got.Status, updated.Status)
	}
}

func TestBodyOverOneMiBIsRejected(t *testing.T) {
	s := newStack(t)
	big := `{"id":"big","spec":{"type":"s3","description":"` + strings.Repeat("x", 1<<20) + `"}}`
	r := s.do("POST", "/api/v1/connection", big)
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(r.message(t), "1 MiB") {
		t.Errorf("message %q", r.message(t))
	}
}
