package service_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/service"
)

// TestProbeS3OnMinIO runs the s3 type's own test through the service, on
// the test MinIO, with the stored secrets.
func TestProbeS3OnMinIO(t *testing.T) {
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
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
		{"refused address", m.SecretKey, egress.NewPolicy(nil), false, "the server may not reach address 127.0.0.1"},
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
				if _, err := f.conns.Create(f.admin, "default", m.Conn("minio", bucket, tc.secretKey)); err != nil {
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
