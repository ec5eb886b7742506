package conntype_test

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// TestS3Probe lists one key under the uri's prefix on the test MinIO, with
// the caBundle parameter as the only trust in its CA.
func TestS3Probe(t *testing.T) {
	var f minioFixtures
	minioService.fixtures(t, &f)
	bucket := newBucket(t, f)
	with := func(mut func(c *tether.Connection)) *tether.Connection {
		c := minioConn(t, f, bucket, f.SecretKey)
		mut(c)
		return c
	}
	runProbeCases(t, []probeCase{
		{name: "working", conn: with(func(*tether.Connection) {}), msg: "listed s3://" + bucket + "/model"},
		{name: "empty prefix", conn: with(func(c *tether.Connection) { c.Spec.URI = "s3://" + bucket + "/nothing/here" }),
			msg: "listed s3://" + bucket + "/nothing/here"},
		{name: "wrong keySecret", conn: minioConn(t, f, bucket, f.SecretKey+"x"),
			code: tether.EUNAUTHORIZED, msg: "SignatureDoesNotMatch"},
		{name: "wrong keyID", conn: with(func(c *tether.Connection) { c.Spec.KeyID = tether.Secret(b64("nobody")) }),
			code: tether.EUNAUTHORIZED, msg: "InvalidAccessKeyId"},
		{name: "missing bucket", conn: with(func(c *tether.Connection) { c.Spec.URI = "s3://" + bucket + "-gone/model" }),
			code: tether.ENOTFOUND, msg: "bucket " + bucket + "-gone does not exist"},
		{name: "unreachable port", conn: with(func(c *tether.Connection) {
			c.Spec.Parameters["endpoint"] = "https://" + closedPort(t)
		}), code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "stalled endpoint", conn: with(func(c *tether.Connection) {
			c.Spec.Parameters["endpoint"] = "https://" + stalledAddr(t)
		}), timeout: time.Second, code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "no caBundle", conn: with(func(c *tether.Connection) { delete(c.Spec.Parameters, "caBundle") }),
			code: tether.EUNAVAILABLE, msg: "unknown authority"},
		{name: "refused address", conn: with(func(*tether.Connection) {}), env: refusingProbeEnv(),
			code: tether.EFORBIDDEN, msg: "is not allowed"},
		{name: "role", conn: with(func(c *tether.Connection) { c.Spec.Role = testRole }),
			msg: "assumed role " + testRole + " and listed s3://" + bucket + "/model"},
		{name: "role, wrong keySecret", conn: func() *tether.Connection {
			c := minioConn(t, f, bucket, f.SecretKey+"x")
			c.Spec.Role = testRole
			return c
		}(), code: tether.EUNAUTHORIZED, msg: "STS refused to assume the role with the stored keys"},
		{name: "refused address without caBundle", conn: with(func(c *tether.Connection) { delete(c.Spec.Parameters, "caBundle") }),
			env: refusingProbeEnv(), code: tether.EFORBIDDEN, msg: "is not allowed"},
	}, f.SecretKey, b64(f.SecretKey), f.AccessKey, "Signature=", "X-Amz-")
}
