package conntype_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/tether-ml/tether"
)

// minioFixtures describe the test MinIO (scripts/testenv/minio.sh).
type minioFixtures struct {
	Endpoint  string `json:"endpoint"`
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
	CAFile    string `json:"caFile"`
	Region    string `json:"region"`
}

// testObject is the key of the object each test's bucket holds.
const testObject = "model/input/data.csv"

// TestS3ToolsFromEnv lists a bucket with the AWS SDK configured from the
// rendered variables only (the shared files exist but nothing points at
// them): keys, region, endpoint and, through AWS_CA_BUNDLE, the trust in
// MinIO's private CA.
func TestS3ToolsFromEnv(t *testing.T) {
	var f minioFixtures
	minioService.fixtures(t, &f)
	bucket := newBucket(t, f)
	r, _ := materialise(t, minioConn(t, f, bucket, f.SecretKey))
	setS3Env(t, r)
	keys, err := listFromEnv(t, bucket)
	if err != nil {
		t.Fatalf("ListObjectsV2 with the rendered variables: %v", err)
	}
	if len(keys) != 1 || keys[0] != testObject {
		t.Errorf("listed %q, want [%q]", keys, testObject)
	}
}

// TestS3ToolsFromFiles lists a bucket with the AWS SDK configured from the
// rendered shared files only: keys from the credentials file; region,
// endpoint_url and ca_bundle from the config file.
func TestS3ToolsFromFiles(t *testing.T) {
	var f minioFixtures
	minioService.fixtures(t, &f)
	bucket := newBucket(t, f)
	r, _ := materialise(t, minioConn(t, f, bucket, f.SecretKey))
	isolate(t, "AWS_", "S3_")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", r.Env["AWS_SHARED_CREDENTIALS_FILE"])
	t.Setenv("AWS_CONFIG_FILE", r.Env["AWS_CONFIG_FILE"])
	ctx := testContext(t)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// aws-sdk-go-v2 reads neither the config file's s3 addressing_style nor
	// any variable for path-style addressing: it is set from the rendered
	// config file, as the AWS CLI (which reads addressing_style) would.
	pathStyle := strings.Contains(string(r.Files["config"]), "\n    addressing_style = path\n")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
	keys, err := listKeys(ctx, client, bucket)
	if err != nil {
		t.Fatalf("ListObjectsV2 with the rendered files: %v", err)
	}
	if len(keys) != 1 || keys[0] != testObject {
		t.Errorf("listed %q, want [%q]", keys, testObject)
	}
}

// TestS3ToolsRefusals checks that the rendering is what makes the SDK
// succeed: a wrong secret key is refused by MinIO (403
// SignatureDoesNotMatch), and without the caBundle parameter the SDK does
// not trust MinIO's certificate.
func TestS3ToolsRefusals(t *testing.T) {
	var f minioFixtures
	minioService.fixtures(t, &f)
	bucket := newBucket(t, f)
	t.Run("wrong keySecret", func(t *testing.T) {
		r, _ := materialise(t, minioConn(t, f, bucket, f.SecretKey+"x"))
		setS3Env(t, r)
		_, err := listFromEnv(t, bucket)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "SignatureDoesNotMatch" {
			t.Fatalf("got %v, want the error code SignatureDoesNotMatch", err)
		}
		var resp *awshttp.ResponseError
		if !errors.As(err, &resp) || resp.HTTPStatusCode() != http.StatusForbidden {
			t.Errorf("got %v, want HTTP status 403", err)
		}
	})
	t.Run("no caBundle", func(t *testing.T) {
		c := minioConn(t, f, bucket, f.SecretKey)
		delete(c.Spec.Parameters, "caBundle")
		r, _ := materialise(t, c)
		setS3Env(t, r)
		t.Setenv("AWS_MAX_ATTEMPTS", "1") // retrying a TLS failure only slows the test
		_, err := listFromEnv(t, bucket)
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("got %v, want a TLS error: certificate signed by unknown authority", err)
		}
	})
}

// minioConn returns an s3 connection to bucket on the test MinIO, with the
// given secret key, as the API takes it (secrets base64).
func minioConn(t *testing.T, f minioFixtures, bucket, secretKey string) *tether.Connection {
	return &tether.Connection{Kind: tether.Kind, ID: "minio", Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://" + bucket + "/model", Region: f.Region,
		KeyID: tether.Secret(b64(f.AccessKey)), KeySecret: tether.Secret(b64(secretKey)),
		Parameters: tether.Params{"endpoint": f.Endpoint, "forcePathStyle": "true",
			"caBundle": b64(readFile(t, f.CAFile))},
	}}
}

// setS3Env empties the environment and sets the rendered variables, but
// for the shared files' paths.
func setS3Env(t *testing.T, r *tether.Rendering) {
	t.Helper()
	isolate(t, "AWS_", "S3_")
	for k, v := range r.Env {
		if k != "AWS_SHARED_CREDENTIALS_FILE" && k != "AWS_CONFIG_FILE" {
			t.Setenv(k, v)
		}
	}
}

// listFromEnv lists bucket (the uri's, which the rendering leaves to the
// job) with an SDK client configured from the environment.
func listFromEnv(t *testing.T, bucket string) ([]string, error) {
	t.Helper()
	ctx := testContext(t)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// aws-sdk-go-v2 has no variable for path-style addressing: it is set
	// from the rendered S3_FORCE_PATH_STYLE.
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = os.Getenv("S3_FORCE_PATH_STYLE") == "true" })
	return listKeys(ctx, client, bucket)
}

// listKeys lists the keys in bucket.
func listKeys(ctx context.Context, client *s3.Client, bucket string) ([]string, error) {
	out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, nil
}

// newBucket creates a bucket holding testObject with MinIO's root
// credentials, and returns its name. The client trusts MinIO's CA through
// its own TLS configuration: this is the test's setup, not the rendering
// under test.
func newBucket(t *testing.T, f minioFixtures) string {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(readFile(t, f.CAFile))) {
		t.Fatalf("%s holds no certificate", f.CAFile)
	}
	client := s3.New(s3.Options{
		Region: f.Region, BaseEndpoint: aws.String(f.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(f.AccessKey, f.SecretKey, ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	})
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	bucket := "tether-test-" + hex.EncodeToString(b)
	ctx := testContext(t)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("creating bucket %s: %v", bucket, err)
	}
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(testObject),
		Body: strings.NewReader("a,b\n1,2\n")})
	if err != nil {
		t.Fatalf("putting %s: %v", testObject, err)
	}
	return bucket
}

// testContext returns a context that ends with t, or after a minute.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
