package delivery_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/delivery"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// deliverer delivers through the Go client from a real server (SQLite,
// keyring, services, the HTTP API) holding the s3 connection "data" in
// namespace default and the docker connection "hub" in "team-a".
func deliverer(t *testing.T) *delivery.Deliverer {
	t.Helper()
	ctx, dir := context.Background(), t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tether.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := seal.Create(filepath.Join(dir, "tether.key"))
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "admin.token")
	if err := service.NewTokens(st).Bootstrap(ctx, "", tokenFile); err != nil {
		t.Fatal(err)
	}
	set := service.New(st, kr, conntype.New(), slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(thttp.NewServer(thttp.Deps{Connections: set.Connections, Namespaces: set.Namespaces,
		Auth: set.Authn, Audit: set.Audit, Ready: st.Ping, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	cl, err := client.NewClient(srv.URL, func() (string, error) { return client.ReadTokenFile(tokenFile) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateNamespace(ctx, "team-a"); err != nil {
		t.Fatal(err)
	}
	for ns, c := range map[string]*tether.Connection{
		"default": {ID: "data", Spec: tether.ConnectionSpec{Type: "s3", URI: "s3://data", Region: "eu-central-1",
			KeyID: tether.Secret(enc("AKIADATA")), KeySecret: tether.Secret(enc("data-secret"))}},
		"team-a": {ID: "hub", Spec: tether.ConnectionSpec{Type: "docker", URI: "docker.io", Username: "alice",
			Password: tether.Secret(enc("pw"))}},
	} {
		if _, err := cl.Create(ctx, ns, c); err != nil {
			t.Fatal(err)
		}
	}
	return delivery.New(cl, nil)
}

func enc(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestEnv(t *testing.T) {
	d := deliverer(t)
	env, err := d.Env(context.Background(), delivery.Ref{ID: "data"}, delivery.Ref{Namespace: "team-a", ID: "hub"})
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
	if _, err := d.Env(context.Background(), delivery.Ref{ID: "missing"}); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("missing connection: %v", err)
	}
}

func TestMaterialize(t *testing.T) {
	d := deliverer(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	m, err := d.Materialize(context.Background(), dir, delivery.Ref{ID: "data"}, delivery.Ref{Namespace: "team-a", ID: "hub"})
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
	if _, err := d.Materialize(context.Background(), dir, delivery.Ref{ID: "data"}); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("a directory others can read was accepted: %v", err)
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]delivery.Ref{"data": {ID: "data"}, "team-a/data": {Namespace: "team-a", ID: "data"}} {
		if got, err := delivery.ParseRef(in); err != nil || got != want {
			t.Errorf("ParseRef(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "Data", "a/b/c", "/data", "team-a/"} {
		if _, err := delivery.ParseRef(bad); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("ParseRef(%q): %v", bad, err)
		}
	}
}
