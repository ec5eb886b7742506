package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	thttp "github.com/tether-ml/tether/http"
)

// TestResponsesMatchTheOpenAPIDocument sends real requests covering every
// operation of the document, and validates every request and response
// against it.
func TestResponsesMatchTheOpenAPIDocument(t *testing.T) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(thttp.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("document is invalid: %v", err)
	}
	// Streams of JSON lines: a response is validated by its last line (see
	// validate); a request body (a backup) as an opaque string.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", ndjsonDecoder)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := newStack(t)
	covered := map[string]bool{}
	exchange := func(method, path, body string, headers ...string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+s.token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return validate(t, router, s.srv.Client(), req, body, covered)
	}
	exchange("POST", "/api/v1/connection", s3Example)
	exchange("POST", "/api/v1/connection", s3Example)
	exchange("POST", "/api/v1/connection", `{"id":"x","spec":{"type":"s3","uri":"s3://b"}}`)
	exchange("POST", "/api/v1/connection", odahuDocker(t, "gcr.io/project/odahuflow", "as Odahu's SDK sends it"))
	exchange("GET", "/api/v1/connection?type=s3&size=10&page=0", "")
	exchange("GET", "/api/v1/connection/training-data", "")
	exchange("GET", "/api/v1/connection/nope", "")
	exchange("GET", "/api/v1/connections", "") // 400: watches only
	exchange("GET", "/api/v1/connection/training-data/decrypted", "")
	exchange("GET", "/api/v1/connection/training-data/decrypted?delivery=true", "")
	exchange("PUT", "/api/v1/connection", s3Example)
	exchange("PUT", "/api/v1/connection/training-data", s3Example, "If-Match", `"2"`)
	exchange("PUT", "/api/v1/connection/training-data", s3Example, "If-Match", `"1"`)
	exchange("GET", "/api/v1/connection/training-data/history", "")
	exchange("GET", "/api/v1/connection/training-data/history?limit=1&before=2", "")
	exchange("GET", "/api/v1/connection/training-data/history/1", "")
	exchange("GET", "/api/v1/connection/training-data/history/1?decrypted=true", "")
	exchange("GET", "/api/v1/connection/training-data/history/9", "")
	exchange("GET", "/api/v1/connection/training-data/history/1/diff/2", "")
	exchange("POST", "/api/v1/connection/training-data/rollback", `{"version":1}`)
	exchange("POST", "/api/v1/connection/training-data/rollback", `{"version":1}`, "If-Match", `"1"`)
	exchange("POST", "/api/v1/keys/rotate", "")
	exchange("GET", "/api/v1/backup", "")
	exchange("POST", "/api/v1/restore", string(s.do("GET", "/api/v1/backup", "").body), "Content-Type", "application/x-ndjson")
	exchange("POST", "/api/v1/restore", "not a backup", "Content-Type", "application/x-ndjson")
	exchange("DELETE", "/api/v1/connection/training-data", "")
	exchange("GET", "/api/v1/connection/training-data/usage?since=24h", "")
	// Connection tests of a registry at a closed port of 127.0.0.1 (which
	// the stack allows): they run and fail at once.
	closed := `{"id":"closed","spec":{"type":"docker","uri":"127.0.0.1:1/team/model","username":"u","password":"cGFzcw=="}}`
	exchange("POST", "/api/v1/connection", closed)
	exchange("POST", "/api/v1/connection/closed/test", "")
	exchange("POST", "/api/v1/connection/nope/test", "")
	exchange("GET", "/api/v1/connection/closed", "") // with status.lastTest
	exchange("POST", "/api/v1/connection/test", closed)
	exchange("POST", "/api/v1/connection/test", `{"id":"x","spec":{"type":"s3","uri":"s3://b"}}`)
	exchange("POST", "/api/v1/namespaces", `{"name":"team-a"}`)
	exchange("GET", "/api/v1/namespaces", "")
	exchange("GET", "/api/v1/namespaces/team-a", "")
	exchange("POST", "/api/v1/namespaces/team-a/connection", s3Example)
	exchange("GET", "/api/v1/namespaces/team-a/connection?size=5", "")
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data", "")
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data/decrypted", "")
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data/decrypted?delivery=true", "")
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data/usage", "")
	exchange("PUT", "/api/v1/namespaces/team-a/connection", s3Example)
	exchange("PUT", "/api/v1/namespaces/team-a/connection/training-data", s3Example)
	exchange("POST", "/api/v1/namespaces/team-a/connection", closed)
	exchange("POST", "/api/v1/namespaces/team-a/connection/closed/test", "")
	exchange("POST", "/api/v1/namespaces/team-a/connection/test", closed)
	exchange("GET", "/api/v1/namespaces/team-a/connection?size=5", "") // with status.lastTest
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data/history", "")
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data/history/1?decrypted=true", "")
	exchange("GET", "/api/v1/namespaces/team-a/connection/training-data/history/1/diff/2", "")
	exchange("POST", "/api/v1/namespaces/team-a/connection/training-data/rollback", `{"version":1}`)
	exchange("DELETE", "/api/v1/namespaces/team-a/connection/training-data", "")
	rb := exchange("POST", "/api/v1/rolebindings", `{"subject":"group:ml","role":"viewer","namespace":"team-a"}`)
	exchange("GET", "/api/v1/rolebindings?namespace=team-a", "")
	exchange("DELETE", "/api/v1/rolebindings/"+jsonField(t, rb, "id"), "")
	tok := exchange("POST", "/api/v1/tokens", `{"subject":"user:alice","ttl":"1h"}`)
	exchange("GET", "/api/v1/tokens", "")
	exchange("DELETE", "/api/v1/tokens/"+jsonField(t, tok, "id"), "")
	exchange("GET", "/api/v1/audit?namespace=team-a&since=1h&limit=50", "")
	exchange("DELETE", "/api/v1/namespaces/team-a?force=true", "")
	exchange("GET", "/healthz", "")
	exchange("GET", "/health", "")
	exchange("GET", "/readyz", "")
	exchange("GET", "/version", "")
	exchange("GET", "/metrics", "")
	exchange("GET", "/openapi.json", "")
	exchange("GET", "/api/v1/connection-types", "")
	exchange("GET", "/api/v1/connection-types/s3", "")

	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !covered[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations not exercised: %v", missing)
	}
}

// validate sends req, checks that the document has its route, and
// validates the request and the response against the document.
func validate(t *testing.T, router routers.Router, hc *http.Client, req *http.Request, body string, covered map[string]bool) []byte {
	t.Helper()
	ctx := context.Background()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in the document: %v", req.Method, req.URL.Path, err)
	}
	covered[req.Method+" "+route.Path] = true
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		t.Errorf("%s %s: request does not match the document: %v", req.Method, req.URL.Path, err)
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if resp.Header.Get("Content-Type") == "application/x-ndjson" {
		out.Body = io.NopCloser(bytes.NewReader(lastLine(raw)))
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s -> %d: response does not match the document: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return raw
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// ndjsonDecoder decodes a single JSON value, or else keeps the body as a
// string.
func ndjsonDecoder(body io.Reader, h http.Header, schema *openapi3.SchemaRef, fn openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		return v, nil
	}
	return string(raw), nil
}

// jsonField returns a string field of a JSON object.
func jsonField(t *testing.T, raw []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	v, _ := m[name].(string)
	return v
}
