package service_test

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/service"
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
func testMinio(t *testing.T) *minio {
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
func (m *minio) bucket(t *testing.T) string {
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
	name := "tether-probe-" + hex.EncodeToString(b)
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

// TestProbeS3OnMinIO runs the s3 type's own test through the service, on
// the test MinIO, with the stored secrets.
func TestProbeS3OnMinIO(t *testing.T) {
	m := testMinio(t)
	bucket := m.bucket(t)
	allowLocal := egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	tests := []struct {
		name      string
		secretKey string
		policy    *egress.Policy
		ok        bool
		message   string // that the result's message holds
	}{
		{"working", m.SecretKey, allowLocal, true, "listed s3://" + bucket + "/model"},
		{"wrong keySecret", m.SecretKey + "x", allowLocal, false, "SignatureDoesNotMatch"},
		{"refused address", m.SecretKey, egress.NewPolicy(nil), false, "connection test refused"},
	}
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				st := open(t)
				f := newProbeFixture(t, func(*testing.T) tether.Store { return st }, nil, service.ProbeOptions{Policy: tc.policy})
				// The real registry, with the s3 type's own test.
				rbac := service.NewRBAC(st)
				probes := service.NewProbes(st, f.keys, conntype.New(), rbac, service.NewAudit(st, rbac, nil),
					service.ProbeOptions{Policy: tc.policy})
				if _, err := f.conns.Create(f.admin, "default", m.conn("minio", bucket, tc.secretKey)); err != nil {
					t.Fatal(err)
				}
				res, err := probes.Test(as("user:user", ""), "default", "minio")
				if err != nil {
					t.Fatalf("Test: %v", err)
				}
				if res.OK != tc.ok || !strings.Contains(res.Message, tc.message) {
					t.Errorf("result ok %v %q, want ok %v and a message holding %q", res.OK, res.Message, tc.ok, tc.message)
				}
				for _, secret := range []string{m.SecretKey, m.AccessKey, "Signature="} {
					if strings.Contains(res.Message, secret) {
						t.Errorf("message %q holds a secret", res.Message)
					}
				}
				if c := f.get(t, "minio"); c.Status.LastTest == nil || *c.Status.LastTest != *res {
					t.Errorf("status.lastTest %+v, want %+v", c.Status.LastTest, res)
				}
			})
		}
	})
}
