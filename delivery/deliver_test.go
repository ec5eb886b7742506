package delivery_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/delivery"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// TestMaterializeS3Role delivers an s3 connection with a role through the
// Go client from a real server whose deliveries may reach the test MinIO:
// the job gets temporary credentials with a session token, never the
// stored keys, and they list the bucket.
func TestMaterializeS3Role(t *testing.T) {
	m := miniotest.Load(t)
	cl := roleServer(t)
	c := &tether.Connection{ID: "role-data", Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://tether-delivery", Region: m.Region, Role: "arn:aws:iam::123456789012:role/reader",
		KeyID: b64(m.AccessKey), KeySecret: b64(m.SecretKey),
		Parameters: tether.Params{"endpoint": m.Endpoint, "forcePathStyle": "true", "caBundle": string(b64(string(m.CA)))},
	}}
	if _, err := cl.Create(t.Context(), "default", c); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	mat, err := delivery.New(cl, nil).Materialize(t.Context(), dir, delivery.Ref{ID: "role-data"})
	if err != nil {
		t.Fatal(err)
	}
	env := mat.Env
	if env["AWS_ACCESS_KEY_ID"] == m.AccessKey || env["AWS_SECRET_ACCESS_KEY"] == m.SecretKey || env["AWS_SESSION_TOKEN"] == "" {
		t.Fatalf("the job got the stored keys, or no session token")
	}
	creds, err := os.ReadFile(env["AWS_SHARED_CREDENTIALS_FILE"])
	if err != nil || strings.Contains(string(creds), m.SecretKey) || !strings.Contains(string(creds), "aws_session_token = ") {
		t.Errorf("credentials file: %v; holds the stored key or no session token", err)
	}
	masked := map[string]bool{}
	for _, s := range mat.Secrets {
		masked[s.Reveal()] = true
	}
	if !masked[env["AWS_SESSION_TOKEN"]] || !masked[env["AWS_SECRET_ACCESS_KEY"]] {
		t.Error("the output mask lacks the temporary credentials")
	}
	if err := listBuckets(t, m, env); err != nil {
		t.Errorf("the temporary credentials do not work: %v", err)
	}
}

// roleServer is a real server (SQLite, keyring, services, the HTTP API)
// whose deliveries may reach 127.0.0.1, and an admin client of it.
func roleServer(t *testing.T) *client.Client {
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
	set.Connections.UseEgress(service.ProbeOptions{Policy: egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})})
	srv := httptest.NewServer(thttp.NewServer(thttp.Deps{Connections: set.Connections, Namespaces: set.Namespaces,
		Auth: set.Authn, Audit: set.Audit, Ready: st.Ping, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	cl, err := client.NewClient(srv.URL, func() (string, error) { return client.ReadTokenFile(tokenFile) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// listBuckets lists the buckets with the delivered variables' credentials.
func listBuckets(t *testing.T, m *miniotest.MinIO, env map[string]string) error {
	client := m.Client(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"])
	_, err := client.ListBuckets(t.Context(), &s3.ListBucketsInput{})
	return err
}
