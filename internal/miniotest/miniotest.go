// Package miniotest gives tests the test MinIO that
// scripts/testenv/minio.sh starts (TETHER_TEST_MINIO names its fixtures):
// an S3 store with STS, served over TLS by a private CA.
package miniotest

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tether-ml/tether"
)

// MinIO is the test MinIO's fixtures.
type MinIO struct {
	Endpoint  string `json:"endpoint"`
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
	CAFile    string `json:"caFile"`
	Region    string `json:"region"`
	// CA is the PEM of the CA its certificate chains to.
	CA []byte `json:"-"`
}

// Load reads the test MinIO's fixtures, failing t without them unless
// TETHER_TEST_SKIP_MINIO=1, which skips t.
func Load(t testing.TB) *MinIO {
	t.Helper()
	path := os.Getenv("TETHER_TEST_MINIO")
	if path == "" {
		if os.Getenv("TETHER_TEST_SKIP_MINIO") == "1" {
			t.Skip("TETHER_TEST_SKIP_MINIO=1")
		}
		t.Fatal("TETHER_TEST_MINIO is not set: start MinIO with ./scripts/testenv/minio.sh (TETHER_TEST_SKIP_MINIO=1 skips)")
	}
	var m MinIO
	raw, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err == nil {
		m.CA, err = os.ReadFile(m.CAFile)
	}
	if err != nil {
		t.Fatalf("MinIO fixtures: %v", err)
	}
	return &m
}

// Client returns an S3 client of the store with the given credentials.
func (m *MinIO) Client(keyID, secret, session string) *s3.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(m.CA)
	return s3.New(s3.Options{
		Region: m.Region, BaseEndpoint: aws.String(m.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, session),
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	})
}

// Bucket creates a bucket holding one object, model/data.csv, and returns
// its name.
func (m *MinIO) Bucket(t testing.TB) string {
	t.Helper()
	client := m.Client(m.AccessKey, m.SecretKey, "")
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "tether-test-" + hex.EncodeToString(suffix)
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	_, err := client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(name),
		Key: aws.String("model/data.csv"), Body: strings.NewReader("a,b\n")})
	if err != nil {
		t.Fatalf("putting an object: %v", err)
	}
	return name
}

// Conn is an s3 connection id to bucket's model/ prefix with the store's
// access key and secretKey.
func (m *MinIO) Conn(id, bucket, secretKey string) *tether.Connection {
	return &tether.Connection{ID: id, Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://" + bucket + "/model", Region: m.Region,
		KeyID: tether.Secret(b64(m.AccessKey)), KeySecret: tether.Secret(b64(secretKey)),
		Parameters: tether.Params{"endpoint": m.Endpoint, "forcePathStyle": "true", "caBundle": b64(string(m.CA))},
	}}
}

// Manifest is Conn as the YAML a user writes.
func (m *MinIO) Manifest(id, bucket, secretKey string) string {
	return "kind: Connection\nid: " + id + "\nspec:\n  type: s3\n  uri: s3://" + bucket + "/model\n  region: " + m.Region +
		"\n  keyID: " + b64(m.AccessKey) + "\n  keySecret: " + b64(secretKey) +
		"\n  parameters:\n    endpoint: " + m.Endpoint + "\n    forcePathStyle: \"true\"\n    caBundle: " + b64(string(m.CA)) + "\n"
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
