package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

func TestECR(t *testing.T) {
	uri := func(u string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.URI = u } }
	runTypeCases(t, "ecr", []typeCase{
		{name: "valid"},
		{name: "12-digit account", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/odahuflow")},
		{name: "no prefix", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com")},
		{name: "nested prefix", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/models/")},
		{name: "fips", mut: func(c *tether.Connection) {
			c.Spec.URI, c.Spec.Region = "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "us-east-1"
		}},
		{name: "china", mut: func(c *tether.Connection) {
			c.Spec.URI, c.Spec.Region = "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/x", "cn-north-1"
		}},
		{name: "china region without .cn", mut: func(c *tether.Connection) {
			c.Spec.URI, c.Spec.Region = "123456789012.dkr.ecr.cn-north-1.amazonaws.com/x", ""
		}, want: p("spec.uri"), msg: "amazonaws.com.cn"},
		{name: ".cn outside china", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com.cn"), want: p("spec.uri")},
		{name: "scheme", mut: uri("https://123456789012.dkr.ecr.eu-central-1.amazonaws.com"),
			want: p("spec.uri"), msg: "spec.uri: must be <account>.dkr.ecr.<region>.amazonaws.com[/prefix[:tag]]"},
		{name: "account not digits", mut: uri("abc.dkr.ecr.eu-central-1.amazonaws.com"), want: p("spec.uri")},
		{name: "other host", mut: uri("gcr.io/project"), want: p("spec.uri")},
		{name: "bad region in uri", mut: uri("123456789012.dkr.ecr.europe.amazonaws.com"), want: p("spec.uri")},
		{name: "bad prefix", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/Team"), want: p("spec.uri")},
		{name: "region differs", mut: func(c *tether.Connection) { c.Spec.Region = "us-east-1" },
			want: p("spec.region"), msg: `spec.region: must be the uri's region "eu-central-1" or empty`},
		{name: "keyID required", mut: func(c *tether.Connection) { c.Spec.KeyID = "" },
			want: p("spec.keyID"), msg: "spec.keyID: required by type ecr"},
		{name: "keySecret required", mut: func(c *tether.Connection) { c.Spec.KeySecret = "" },
			want: p("spec.keySecret"), msg: "spec.keySecret: required by type ecr"},
		{name: "keyID not base64", mut: func(c *tether.Connection) { c.Spec.KeyID = "AKIA IOSF" },
			want: p("spec.keyID"), msg: "must be base64-encoded"},
		{name: "keyID encoded with its newline", mut: func(c *tether.Connection) { c.Spec.KeyID = tether.Secret(b64("AKIA\n")) },
			want: p("spec.keyID"), msg: "trailing newline"},
		{name: "keySecret masked", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Mask },
			want: p("spec.keySecret"), msg: "is masked"},
		{name: "password accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.Password = tether.Secret(b64("x")) }},
		{name: "image with tag, as Odahu's e2e", mut: uri("7777777777.dkr.ecr.eu-central-1.amazonaws.com/cluster-name/counter-3.3:886a4942-138d-460c-8f3c-eb3b3d2e1d98")},
		{name: "image with digest", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/model@sha256:" + strings.Repeat("ab", 32))},
		{name: "empty tag", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/model:"), want: p("spec.uri")},
		{name: "tag without image", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/:v1"), want: p("spec.uri")},
		{name: "bad tag", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/model:-v1"), want: p("spec.uri")},
		{name: "bad digest", mut: uri("123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/model@sha256:xyz"), want: p("spec.uri")},
	})
}

// TestECRRegionDerived checks that Validate fills an empty region from the
// uri, and leaves it empty when the uri is not an ECR one.
func TestECRRegionDerived(t *testing.T) {
	r := conntype.New()
	cases := []struct {
		name, uri, want string
		valid           bool
	}{
		{"derived", "5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow", "eu-central-1", true},
		{"derived gov", "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "us-gov-west-1", true},
		{"derived from an image uri", "7777777777.dkr.ecr.eu-central-1.amazonaws.com/cluster-name/counter-3.3:886a4942-138d-460c-8f3c-eb3b3d2e1d98", "eu-central-1", true},
		{"bad uri", "docker.io/odahu", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConn(t, "ecr")
			c.Spec.URI, c.Spec.Region = tc.uri, ""
			err := validate(t, r, c)
			if (err == nil) != tc.valid {
				t.Errorf("Validate: %v, want valid=%v", err, tc.valid)
			}
			if c.Spec.Region != tc.want {
				t.Errorf("region = %q, want %q", c.Spec.Region, tc.want)
			}
		})
	}
}
