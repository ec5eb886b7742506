package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/tether-ml/tether/internal/miniotest"
)

// TestRunAndRenderS3Role: an s3 connection with a role reaches `tether
// run` and `tether conn render` as the temporary credentials the test
// MinIO's STS gives for it, with AWS_SESSION_TOKEN; they list the bucket;
// the stored keys appear nowhere.
func TestRunAndRenderS3Role(t *testing.T) {
	t.Parallel()
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	s := startServer(t, serverOptions{Args: []string{"--test-allow-cidr", "127.0.0.1/32"}})
	c := newCLI(t, s)
	manifest := m.Manifest("role-data", bucket, m.SecretKey) + "  role: arn:aws:iam::123456789012:role/reader\n"
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
func listBucket(t *testing.T, m *miniotest.MinIO, bucket string, env map[string]string) {
	t.Helper()
	client := m.Client(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"])
	out, err := client.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(out.Contents) != 1 {
		t.Errorf("listing %s with the delivered credentials: %v", bucket, err)
	}
}

// TestRenderECRToken: `tether conn render` of an ecr connection prints the
// docker login of the registry token that the server got for its keys
// from an ECR API (a local one that speaks its JSON protocol), as a docker
// config.json or a dockerconfigjson Secret; never the keys.
func TestRenderECRToken(t *testing.T) {
	t.Parallel()
	ecr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"authorizationData":[{"authorizationToken":%q,"expiresAt":%d}]}`,
			b64("AWS:ecr-token"), time.Now().Add(12*time.Hour).Unix())
	}))
	t.Cleanup(ecr.Close)
	s := startServer(t, serverOptions{Args: []string{"--test-allow-cidr", "127.0.0.1/32"}})
	c := newCLI(t, s)
	manifest := "kind: Connection\nid: registry\nspec:\n  type: ecr\n  uri: 123456789012.dkr.ecr.eu-central-1.amazonaws.com/team\n" +
		"  keyID: " + b64("AKIAECR") + "\n  keySecret: " + b64("ecr-stored-secret") + "\n  parameters:\n    endpoint: " + ecr.URL + "\n"
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "ecr.yaml", manifest))
	want := `"123456789012.dkr.ecr.eu-central-1.amazonaws.com": {` + "\n" + `      "auth": "` + b64("AWS:ecr-token") + `"`
	for as, wants := range map[string][]string{
		"docker-config": {want},
		"k8s-secret":    {"type: kubernetes.io/dockerconfigjson", ".dockerconfigjson: "},
	} {
		out := c.ok("conn", "render", "--id", "registry", "--as", as)
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("--as %s:\n%s\nwant %q", as, out, w)
			}
		}
		if strings.Contains(out, "ecr-stored-secret") || strings.Contains(out, b64("ecr-stored-secret")) {
			t.Errorf("--as %s holds the stored key", as)
		}
	}
}
