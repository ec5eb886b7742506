package conntype_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// testRole is a role ARN; MinIO's AssumeRole gives the caller's own
// permissions whatever role is named.
const testRole = "arn:aws:iam::123456789012:role/tether-reader"

// TestS3RoleExchange exchanges the keys of an s3 connection with a role for
// temporary credentials on the test MinIO's STS, and lists the bucket with
// them.
func TestS3RoleExchange(t *testing.T) {
	var f minioFixtures
	minioService.fixtures(t, &f)
	bucket := newBucket(t, f)
	withRole := func(secretKey string, params tether.Params) *tether.Connection {
		c := minioConn(t, f, bucket, secretKey)
		c.Spec.Role = testRole
		for k, v := range params {
			c.Spec.Parameters[k] = v
		}
		return c
	}
	cases := []struct {
		name     string
		conn     *tether.Connection
		lifetime time.Duration // of the credentials; 0 when the exchange fails
		code     string
		msg      string
	}{
		{name: "default lifetime", conn: withRole(f.SecretKey, nil), lifetime: time.Hour},
		{name: "durationSeconds", conn: withRole(f.SecretKey, tether.Params{"durationSeconds": "900"}),
			lifetime: 15 * time.Minute},
		{name: "wrong keySecret", conn: withRole(f.SecretKey+"x", nil),
			code: tether.EUNAUTHORIZED, msg: "STS refused to assume the role with the stored keys (AccessDenied)"},
		{name: "refused address", conn: withRole(f.SecretKey, nil), code: tether.EFORBIDDEN, msg: "is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := plainProbeEnv()
			if tc.name == "refused address" {
				env = *refusingProbeEnv()
			}
			got, err := exchange(t, tc.conn, env)
			if tc.code != "" {
				if tether.ErrorCode(err) != tc.code || !strings.Contains(tether.ErrorMessage(err), tc.msg) {
					t.Fatalf("Exchange: %v (%s), want %s with %q", err, tether.ErrorCode(err), tc.code, tc.msg)
				}
				for _, s := range []string{f.SecretKey, f.AccessKey, "Signature="} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("the error %q holds %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			checkTemporary(t, f, tc.conn, got, tc.lifetime)
			listWith(t, f, bucket, got)
		})
	}
}

// TestS3ExchangeWithoutRole returns the connection itself: nothing to
// exchange, and no call made (the environment refuses every address).
func TestS3ExchangeWithoutRole(t *testing.T) {
	c := validConn(t, "s3")
	got, err := exchange(t, c, *refusingProbeEnv())
	if err != nil || got != c {
		t.Fatalf("Exchange = %p, %v; want the connection itself (%p)", got, err, c)
	}
}

// exchange validates c and exchanges it with env.
func exchange(t *testing.T, c *tether.Connection, env tether.ProbeEnv) (*tether.Connection, error) {
	t.Helper()
	reg := conntype.New()
	if err := reg.Validate(c); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c.Namespace = "team-a"
	return reg.Type("s3").Exchange(testContext(t), c, env)
}

// checkTemporary checks that got carries credentials other than c's, a
// session token, and an expiry about lifetime away; and that c is intact.
func checkTemporary(t *testing.T, f minioFixtures, c, got *tether.Connection, lifetime time.Duration) {
	t.Helper()
	if got.Spec.KeyID.Reveal() == c.Spec.KeyID.Reveal() || got.Spec.KeySecret.Reveal() == c.Spec.KeySecret.Reveal() {
		t.Error("the delivered keys are the stored ones")
	}
	if got.Spec.Parameters["sessionToken"] == "" {
		t.Error("no session token")
	}
	if c.Spec.KeyID.Reveal() != b64(f.AccessKey) || c.Spec.Parameters["sessionToken"] != "" {
		t.Error("the exchange changed the stored connection")
	}
	e := got.Status.Expiry
	if e == nil || e.What != "STS session" {
		t.Fatalf("Status.Expiry = %+v, want an STS session", e)
	}
	if left := time.Until(e.At); left < lifetime-time.Minute || left > lifetime+time.Minute {
		t.Errorf("the credentials expire in %v, want about %v", left, lifetime)
	}
	if err := conntype.New().Validate(got.Clone()); err != nil {
		t.Errorf("the delivered connection is invalid: %v", err)
	}
}

// listWith lists bucket with the credentials of c, as rendered.
func listWith(t *testing.T, f minioFixtures, bucket string, c *tether.Connection) {
	t.Helper()
	r, _ := materialise(t, c)
	client := s3.New(s3.Options{
		Region: f.Region, BaseEndpoint: aws.String(f.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(r.Env["AWS_ACCESS_KEY_ID"],
			r.Env["AWS_SECRET_ACCESS_KEY"], r.Env["AWS_SESSION_TOKEN"]),
		HTTPClient: minioHTTP(t, f),
	})
	keys, err := listKeys(testContext(t), client, bucket)
	if err != nil || len(keys) != 1 || keys[0] != testObject {
		t.Errorf("listing with the temporary credentials: %q, %v", keys, err)
	}
}

// minioHTTP is an HTTP client that trusts the test MinIO's CA.
func minioHTTP(t *testing.T, f minioFixtures) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(readFile(t, f.CAFile))) {
		t.Fatalf("%s holds no certificate", f.CAFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}
