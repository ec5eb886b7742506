package http_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
)

// deliveryClient is a client of a stack holding the s3 connection "data"
// in namespace default and the docker connection "hub" in "team-a".
func deliveryClient(t *testing.T) *thttp.Client {
	t.Helper()
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/namespaces", `{"name":"team-a"}`), 201)
	mustStatus(t, s.do("POST", "/api/v1/connection", `{"id":"data","spec":{"type":"s3","uri":"s3://data",
		"region":"eu-central-1","keyID":"`+enc("AKIADATA")+`","keySecret":"`+enc("data-secret")+`"}}`), 201)
	mustStatus(t, s.do("POST", "/api/v1/namespaces/team-a/connection", `{"id":"hub","spec":{"type":"docker",
		"uri":"docker.io","username":"alice","password":"`+enc("pw")+`"}}`), 201)
	cl, err := thttp.NewClient(s.srv.URL, func() (string, error) { return s.token, nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func enc(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestClientEnv(t *testing.T) {
	cl := deliveryClient(t)
	env, err := cl.Env(context.Background(), thttp.Ref{ID: "data"}, thttp.Ref{Namespace: "team-a", ID: "hub"})
	if err != nil {
		t.Fatal(err)
	}
	if env["AWS_SECRET_ACCESS_KEY"] != "data-secret" || env["DATA_AWS_REGION"] != "eu-central-1" {
		t.Errorf("env %v", env)
	}
	for k := range env {
		if strings.Contains(k, "DOCKER_CONFIG") || strings.HasSuffix(k, "_FILE") {
			t.Errorf("Env returned %s, which points at files it did not write", k)
		}
	}
	if _, err := cl.Env(context.Background(), thttp.Ref{ID: "missing"}); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("missing connection: %v", err)
	}
}

func TestClientMaterialize(t *testing.T) {
	cl := deliveryClient(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	m, err := cl.Materialize(context.Background(), dir, thttp.Ref{ID: "data"}, thttp.Ref{Namespace: "team-a", ID: "hub"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := os.ReadFile(m.Env["AWS_SHARED_CREDENTIALS_FILE"])
	if err != nil || !strings.Contains(string(creds), "aws_secret_access_key = data-secret") {
		t.Errorf("credentials file %q: %v", creds, err)
	}
	if m.Env["DOCKER_CONFIG"] != filepath.Join(dir, "docker") {
		t.Errorf("DOCKER_CONFIG = %q", m.Env["DOCKER_CONFIG"])
	}
	if _, err := os.Stat(filepath.Join(dir, "docker", "config.json")); err != nil {
		t.Error(err)
	}
	masked := map[string]bool{}
	for _, s := range m.Secrets {
		masked[s.Reveal()] = true
	}
	if !masked["data-secret"] || !masked[enc("alice:pw")] {
		t.Errorf("the mask values lack the secret or docker's auth")
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Materialize(context.Background(), dir, thttp.Ref{ID: "data"}); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("a directory others can read was accepted: %v", err)
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]thttp.Ref{"data": {ID: "data"}, "team-a/data": {Namespace: "team-a", ID: "data"}} {
		if got, err := thttp.ParseRef(in); err != nil || got != want {
			t.Errorf("ParseRef(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "Data", "a/b/c", "/data", "team-a/"} {
		if _, err := thttp.ParseRef(bad); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("ParseRef(%q): %v", bad, err)
		}
	}
}
