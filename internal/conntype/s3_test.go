package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// param sets one parameter.
func param(k, v string) func(c *tether.Connection) {
	return func(c *tether.Connection) {
		if c.Spec.Parameters == nil {
			c.Spec.Parameters = tether.Params{}
		}
		c.Spec.Parameters[k] = v
	}
}

func TestS3(t *testing.T) {
	runTypeCases(t, "s3", []typeCase{
		{name: "valid"},
		{name: "bucket only", mut: func(c *tether.Connection) { c.Spec.URI = "s3://raw-data" }},
		{name: "bucket and slash", mut: func(c *tether.Connection) { c.Spec.URI = "s3://raw.data-1/" }},
		{name: "region required", mut: func(c *tether.Connection) { c.Spec.Region = "" },
			want: p("spec.region"), msg: "spec.region: required by type s3"},
		{name: "keyID required", mut: func(c *tether.Connection) { c.Spec.KeyID = "" },
			want: p("spec.keyID"), msg: "spec.keyID: required by type s3"},
		{name: "keySecret required", mut: func(c *tether.Connection) { c.Spec.KeySecret = "" },
			want: p("spec.keySecret"), msg: "spec.keySecret: required by type s3"},
		{name: "role", mut: func(c *tether.Connection) { c.Spec.Role = "arn:aws:iam::123456789012:role/team/reader" }},
		{name: "role in China", mut: func(c *tether.Connection) { c.Spec.Role = "arn:aws-cn:iam::123456789012:role/x" }},
		{name: "role with duration and external id", mut: func(c *tether.Connection) {
			c.Spec.Role = "arn:aws-us-gov:iam::123456789012:role/x"
			c.Spec.Parameters = tether.Params{"durationSeconds": "43200", "externalId": "team-a:42"}
		}},
		{name: "role not an ARN", mut: func(c *tether.Connection) { c.Spec.Role = "reader" },
			want: p("spec.role"), msg: "spec.role: must be an IAM role ARN"},
		{name: "role with a short account", mut: func(c *tether.Connection) { c.Spec.Role = "arn:aws:iam::1:role/x" },
			want: p("spec.role"), msg: "spec.role: must be an IAM role ARN"},
		{name: "user ARN as role", mut: func(c *tether.Connection) { c.Spec.Role = "arn:aws:iam::123456789012:user/x" },
			want: p("spec.role"), msg: "spec.role: must be an IAM role ARN"},
		{name: "duration out of bounds", mut: func(c *tether.Connection) {
			c.Spec.Role = "arn:aws:iam::123456789012:role/x"
			c.Spec.Parameters = tether.Params{"durationSeconds": "60"}
		}, want: p("spec.parameters.durationSeconds"), msg: "from 900 to 43200"},
		{name: "duration not a number", mut: func(c *tether.Connection) {
			c.Spec.Role = "arn:aws:iam::123456789012:role/x"
			c.Spec.Parameters = tether.Params{"durationSeconds": "1h"}
		}, want: p("spec.parameters.durationSeconds")},
		{name: "external id with a space", mut: func(c *tether.Connection) {
			c.Spec.Role = "arn:aws:iam::123456789012:role/x"
			c.Spec.Parameters = tether.Params{"externalId": "a b"}
		}, want: p("spec.parameters.externalId")},
		{name: "role parameters without role", mut: func(c *tether.Connection) {
			c.Spec.Parameters = tether.Params{"durationSeconds": "900", "externalId": "ab"}
		}, want: p("spec.parameters.durationSeconds", "spec.parameters.externalId"), msg: "is used only with spec.role"},
		{name: "username accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.Username = "admin" }},
		{name: "keyID not base64", mut: func(c *tether.Connection) { c.Spec.KeyID = "AKIAIOSFODNN7EXAMPLE!" },
			want: p("spec.keyID"), msg: "spec.keyID: must be base64-encoded"},
		{name: "keySecret unpadded", mut: func(c *tether.Connection) { c.Spec.KeySecret = "YWJjZA" },
			want: p("spec.keySecret")},
		{name: "keySecret url-safe alphabet", mut: func(c *tether.Connection) { c.Spec.KeySecret = "-_-_" },
			want: p("spec.keySecret")},
		{name: "keySecret wrapped at 76 columns", mut: func(c *tether.Connection) {
			c.Spec.KeySecret = tether.Secret(b64(strings.Repeat("x", 60))[:76] + "\n" + b64(strings.Repeat("x", 60))[76:] + "\n")
		}},
		{name: "keyID encoded with its newline", mut: func(c *tether.Connection) { c.Spec.KeyID = tether.Secret(b64("AKIAIOSFODNN7EXAMPLE\n")) },
			want: p("spec.keyID"), msg: "spec.keyID: must not decode to text with control characters"},
		{name: "keySecret encoded with its newline", mut: func(c *tether.Connection) { c.Spec.KeySecret = "d0phbHJYVXRuRkVNSQo=" },
			want: p("spec.keySecret")},
		{name: "keyID masked", mut: func(c *tether.Connection) { c.Spec.KeyID = tether.Mask },
			want: p("spec.keyID"), msg: `spec.keyID: is masked ("*****"): give the secret value`},
		{name: "uri scheme", mut: func(c *tether.Connection) { c.Spec.URI = "https://raw-data.s3.amazonaws.com/x" },
			want: p("spec.uri"), msg: "spec.uri: must be s3://<bucket>[/path]"},
		{name: "uri without bucket", mut: func(c *tether.Connection) { c.Spec.URI = "s3:///path" }, want: p("spec.uri")},
		{name: "bucket uppercase", mut: func(c *tether.Connection) { c.Spec.URI = "s3://Raw-Data/x" }, want: p("spec.uri")},
		{name: "bucket too short", mut: func(c *tether.Connection) { c.Spec.URI = "s3://ab" }, want: p("spec.uri")},
		{name: "bucket too long", mut: func(c *tether.Connection) { c.Spec.URI = "s3://" + strings.Repeat("a", 64) },
			want: p("spec.uri")},
		{name: "bucket 63 chars", mut: func(c *tether.Connection) { c.Spec.URI = "s3://" + strings.Repeat("a", 63) }},
		{name: "bucket ends with dash", mut: func(c *tether.Connection) { c.Spec.URI = "s3://raw-/x" }, want: p("spec.uri")},
		{name: "bucket double dot", mut: func(c *tether.Connection) { c.Spec.URI = "s3://raw..data" }, want: p("spec.uri")},
		{name: "bucket underscore", mut: func(c *tether.Connection) { c.Spec.URI = "s3://raw_data" }, want: p("spec.uri")},
		{name: "bucket ip address", mut: func(c *tether.Connection) { c.Spec.URI = "s3://192.168.5.4" },
			want: p("spec.uri"), msg: "IP address"},
		{name: "path control char", mut: func(c *tether.Connection) { c.Spec.URI = "s3://raw-data/a\nb" }, want: p("spec.uri")},
		{name: "region not aws", mut: func(c *tether.Connection) { c.Spec.Region = "some region" }, want: p("spec.region")},
		{name: "region gov", mut: func(c *tether.Connection) { c.Spec.Region = "us-gov-west-1" }},
		{name: "free region with endpoint", mut: func(c *tether.Connection) {
			c.Spec.Region = "default"
			param("endpoint", "http://127.0.0.1:9000")(c)
		}},
	})
}

func TestS3Parameters(t *testing.T) {
	runTypeCases(t, "s3", []typeCase{
		{name: "sessionToken encoded with its newline", mut: param("sessionToken", b64("FwoG\n")),
			want: p("spec.parameters.sessionToken")},
		{name: "minio parameters", mut: func(c *tether.Connection) {
			c.Spec.Parameters = tether.Params{"endpoint": "https://minio.example:9000", "forcePathStyle": "true",
				"signatureVersion": "s3v4", "sessionToken": b64("FwoGZXIvYXdzEJr")}
		}},
		{name: "signature v2", mut: param("signatureVersion", "s3")},
		{name: "endpoint not a url", mut: param("endpoint", "127.0.0.1:9000"),
			want: p("spec.parameters.endpoint"), msg: "must be an absolute http(s) URL"},
		{name: "endpoint ftp", mut: param("endpoint", "ftp://minio"), want: p("spec.parameters.endpoint")},
		{name: "endpoint with credentials", mut: param("endpoint", "http://minio:minio123@minio:9000"),
			want: p("spec.parameters.endpoint"), msg: "must not embed credentials"},
		{name: "forcePathStyle yes", mut: param("forcePathStyle", "yes"),
			want: p("spec.parameters.forcePathStyle"), msg: `must be "true" or "false"`},
		{name: "forcePathStyle TRUE", mut: param("forcePathStyle", "TRUE"), want: p("spec.parameters.forcePathStyle")},
		{name: "signatureVersion v4", mut: param("signatureVersion", "v4"),
			want: p("spec.parameters.signatureVersion"), msg: `must be one of "s3v4", "s3"`},
		{name: "sessionToken not base64", mut: param("sessionToken", "FwoG%ZX"),
			want: p("spec.parameters.sessionToken"), msg: "must be base64-encoded"},
		{name: "sessionToken masked", mut: param("sessionToken", tether.Mask),
			want: p("spec.parameters.sessionToken"), msg: "is masked"},
		{name: "empty parameter is unset", mut: param("endpoint", "")},
		{name: "unknown parameter", mut: param("foo", "bar"), want: p("spec.parameters.foo"),
			msg: "spec.parameters.foo: unknown parameter for type s3 (accepted: caBundle, durationSeconds, endpoint, externalId, forcePathStyle, sessionToken, signatureVersion)"},
	})
}

func TestS3CABundle(t *testing.T) {
	runTypeCases(t, "s3", caBundleCases(t))
}
