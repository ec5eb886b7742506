package http_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/delivery"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
	"github.com/tether-ml/tether/internal/sqlite"
)

// thrownType is a connection type declared here only: a required region,
// a secret key, a rendering with a value variable, a file and a variable
// pointing at it, a file format, a Kubernetes Secret type, and shared
// files that list every key.
func thrownType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "thrown",
		Description: "A type a test adds",
		Fields: []tether.Field{
			{Name: "uri", Description: "Where"},
			{Name: "region", Required: true, Description: "Region"},
			{Name: "keySecret", Secret: true, Base64: true, Description: "Key, base64-encoded"},
		},
		Render: func(c *tether.Connection, dir string) (*tether.Rendering, error) {
			key, _ := base64.StdEncoding.DecodeString(c.Spec.KeySecret.Reveal())
			r := &tether.Rendering{Env: map[string]string{"THROWN_REGION": c.Spec.Region},
				Files: map[string][]byte{"key": key}}
			r.SetFileEnv("THROWN_KEY_FILE", filepath.Join(dir, "key"))
			return r, nil
		},
		Formats:    []tether.FileFormat{{Name: "thrown-key", File: "key", Description: "the key"}},
		KubeSecret: &tether.KubeSecret{Type: "example.com/thrown", Keys: map[string]string{"key": "thrown-key"}},
		Shared: &tether.SharedFiles{Dir: "thrown", Env: "THROWN_DIR", Merge: func(rs []*tether.Rendering) (map[string][]byte, error) {
			var keys []byte
			for _, r := range rs {
				keys = append(append(keys, r.Files["key"]...), '\n')
			}
			return map[string][]byte{"keys": keys}, nil
		}},
	}
}

// TestAddedTypeIsServedValidatedMaskedAndDelivered adds a type to the
// registry of a real server and checks that every part of Tether that
// knows types picks it up from its declaration alone.
func TestAddedTypeIsServedValidatedMaskedAndDelivered(t *testing.T) {
	types := conntype.New(thrownType())
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "tether.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := serveStoreWith(t, st, dir, "", types)

	if r := s.do("POST", "/api/v1/connection", `{"id":"t1","spec":{"type":"thrown","uri":"x"}}`); r.status != 400 ||
		!strings.Contains(r.message(t), "spec.region: required by type thrown") {
		t.Errorf("POST without region: %d %s", r.status, r.body)
	}
	const key = "thrown-key-value"
	for _, id := range []string{"t1", "t2"} {
		body := `{"id":"` + id + `","spec":{"type":"thrown","uri":"x","region":"r-` + id + `","keySecret":"` +
			base64.StdEncoding.EncodeToString([]byte(key+"-"+id)) + `"}}`
		if r := s.do("POST", "/api/v1/connection", body); r.status != 201 {
			t.Fatalf("POST %s: %d %s", id, r.status, r.body)
		}
	}
	if r := s.do("GET", "/api/v1/connection/t1", ""); r.status != 200 || strings.Contains(string(r.body), key) ||
		!strings.Contains(string(r.body), `"keySecret":"*****"`) {
		t.Errorf("GET does not mask the secret: %d %s", r.status, r.body)
	}
	checkOpenAPIListsType(t, s, "thrown")

	var conns []*tether.Connection
	for _, id := range []string{"t1", "t2"} {
		var c tether.Connection
		s.do("GET", "/api/v1/connection/"+id+"/decrypted", "").json(t, &c)
		conns = append(conns, &c)
	}
	checkThrownDelivery(t, types, conns, key)
}

// checkOpenAPIListsType checks that the served document lists typ in each
// enum of connection types.
func checkOpenAPIListsType(t *testing.T, s *stack, typ string) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(s.do("GET", "/openapi.json", "").body)
	if err != nil {
		t.Fatal(err)
	}
	enums := map[string][]any{"ConnectionSpec.type": doc.Components.Schemas["ConnectionSpec"].Value.Properties["type"].Value.Enum}
	for _, path := range []string{"/api/v1/connection", "/api/v1/namespaces/{ns}/connection"} {
		enums[path] = doc.Paths.Find(path).Get.Parameters.GetByInAndName("query", "type").Schema.Value.Items.Value.Enum
	}
	for where, enum := range enums {
		if !slices.Contains(enum, any(typ)) || !slices.Contains(enum, any("s3")) {
			t.Errorf("the OpenAPI document's types at %s are %v, want %s among them", where, enum, typ)
		}
	}
}

// checkThrownDelivery checks the masking, the bundle and the Kubernetes
// Secret of two revealed thrown connections.
func checkThrownDelivery(t *testing.T, types *conntype.Registry, conns []*tether.Connection, key string) {
	t.Helper()
	if mask := delivery.MaskValues(types, conns, nil); !slices.Contains(mask, key+"-t1") {
		t.Errorf("masked values lack the secret: %d values", len(mask))
	}
	b, err := delivery.Bundle(types, conns, "/job")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"THROWN_REGION": "r-t1", "T2_THROWN_REGION": "r-t2", "THROWN_KEY_FILE": "/job/t1/key",
		"THROWN_DIR": "/job/thrown"}
	for name, v := range want {
		if b.Env[name] != v {
			t.Errorf("bundle: %s=%q, want %q", name, b.Env[name], v)
		}
	}
	if got := string(b.Files["thrown/keys"]); got != key+"-t1\n"+key+"-t2\n" {
		t.Errorf("bundle's shared file: %q", got)
	}
	sec, err := kube.Secret(conns[0], types.Type("thrown"), kube.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sec.Type != "example.com/thrown" || string(sec.Data["thrown-key"]) != key+"-t1" {
		out, _ := json.Marshal(sec)
		t.Errorf("Secret: %s", out)
	}
}
