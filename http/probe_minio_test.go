package http_test

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

// minio is the test MinIO of TETHER_TEST_MINIO (scripts/testenv/minio.sh).
type minio struct {
	Endpoint  string `json:"endpoint"`
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
	CAFile    string `json:"caFile"`
	Region    string `json:"region"`
	ca        []byte
}

// testMinio reads the test MinIO's fixtures, failing t without them unless
// TETHER_TEST_SKIP_MINIO=1.
func testMinio(t testing.TB) *minio {
	t.Helper()
	path := os.Getenv("TETHER_TEST_MINIO")
	if path == "" {
		if os.Getenv("TETHER_TEST_SKIP_MINIO") == "1" {
			t.Skip("TETHER_TEST_SKIP_MINIO=1")
		}
		t.Fatal("TETHER_TEST_MINIO is not set: start MinIO with ./scripts/testenv/minio.sh (TETHER_TEST_SKIP_MINIO=1 skips)")
	}
	var m minio
	raw, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err == nil {
		m.ca, err = os.ReadFile(m.CAFile)
	}
	if err != nil {
		t.Fatalf("MinIO fixtures: %v", err)
	}
	return &m
}

// bucket creates a bucket holding one object under model/ and returns its
// name.
func (m *minio) bucket(t testing.TB) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(m.ca)
	client := s3.New(s3.Options{
		Region: m.Region, BaseEndpoint: aws.String(m.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(m.AccessKey, m.SecretKey, ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	})
	b := make([]byte, 6)
	rand.Read(b)
	name := "tether-http-" + hex.EncodeToString(b)
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

// conn is an s3 connection to bucket's model/ prefix with secretKey.
func (m *minio) conn(id, bucket, secretKey string) *tether.Connection {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return &tether.Connection{ID: id, Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://" + bucket + "/model", Region: m.Region,
		KeyID: tether.Secret(b64(m.AccessKey)), KeySecret: tether.Secret(b64(secretKey)),
		Parameters: tether.Params{"endpoint": m.Endpoint, "forcePathStyle": "true", "caBundle": b64(string(m.ca))},
	}}
}

// body is the JSON of the connection c, as a client posts it.
func (m *minio) body(t testing.TB, id, bucket, secretKey string) string {
	t.Helper()
	raw, err := json.Marshal(m.conn(id, bucket, secretKey))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
