package main_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestRunAndRenderS3Role: an s3 connection with a role reaches `tether
// run` and `tether conn render` as the temporary credentials the test
// MinIO's STS gives for it, with AWS_SESSION_TOKEN; they list the bucket;
// the stored keys appear nowhere.
func TestRunAndRenderS3Role(t *testing.T) {
	t.Parallel()
	m := testMinio(t)
	bucket := m.bucket(t)
	s := startServer(t, serverOptions{Args: []string{"--test-allow-cidr", "127.0.0.1/32"}})
	c := newCLI(t, s)
	manifest := m.manifest("role-data", bucket, m.SecretKey) + "  role: arn:aws:iam::123456789012:role/reader\n"
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "role.yaml", manifest))

	envFile := filepath.Join(c.dir, "job.env")
	out := c.with("JOB_ENV", envFile).ok("run", "-c", "role-data", "--", "sh", "-c",
		`env | grep '^AWS_' > "$JOB_ENV"; cat "$AWS_SHARED_CREDENTIALS_FILE"`)
	noSecrets(t, m, out)
	job := parseEnv(t, readText(t, envFile))
	rendered := parseEnv(t, c.ok("conn", "render", "--id", "role-data", "--as", "dotenv"))
	for name, env := range map[string]map[string]string{"tether run": job, "tether conn render": rendered} {
		t.Run(name, func(t *testing.T) {
			if env["AWS_ACCESS_KEY_ID"] == m.AccessKey || env["AWS_SECRET_ACCESS_KEY"] == m.SecretKey {
				t.Fatal("the stored keys were delivered")
			}
			if env["AWS_SESSION_TOKEN"] == "" {
				t.Fatal("no AWS_SESSION_TOKEN")
			}
			listBucket(t, m, bucket, env)
		})
	}
	if !strings.Contains(c.ok("conn", "get", "--id", "role-data", "-o", "yaml"), "role: arn:aws:iam::123456789012:role/reader") {
		t.Error("conn get lacks the role")
	}
}

// parseEnv reads NAME=value lines, the value optionally double-quoted.
func parseEnv(t *testing.T, text string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env
}

// readText returns the content of the file at path.
func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listBucket lists bucket with the credentials of env.
func listBucket(t *testing.T, m *minio, bucket string, env map[string]string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(m.ca)
	client := s3.New(s3.Options{
		Region: m.Region, BaseEndpoint: aws.String(m.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"],
			env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	})
	out, err := client.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(out.Contents) != 1 {
		t.Errorf("listing %s with the delivered credentials: %v", bucket, err)
	}
}
