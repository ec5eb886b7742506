package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

func TestGCS(t *testing.T) {
	uri := func(u string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.URI = u } }
	key := func(k string) func(c *tether.Connection) {
		return func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(b64(k)) }
	}
	runTypeCases(t, "gcs", []typeCase{
		{name: "valid"},
		{name: "gcs scheme", mut: uri("gcs://raw-data/model/input")},
		{name: "bucket only", mut: uri("gs://raw_data")},
		{name: "dotted bucket", mut: uri("gs://data.example.com/x")},
		{name: "gsc typo", mut: uri("gsc://raw-data/model/input"), want: p("spec.uri"), msg: "typo"},
		{name: "s3 scheme", mut: uri("s3://raw-data"), want: p("spec.uri"),
			msg: "spec.uri: must be gs://<bucket>[/path] or gcs://<bucket>[/path]"},
		{name: "no scheme", mut: uri("raw-data/x"), want: p("spec.uri")},
		{name: "no bucket", mut: uri("gs:///x"), want: p("spec.uri")},
		{name: "bucket uppercase", mut: uri("gs://RawData"), want: p("spec.uri")},
		{name: "bucket google", mut: uri("gs://my-google-data"), want: p("spec.uri"), msg: "google"},
		{name: "bucket goog prefix", mut: uri("gs://goog-data"), want: p("spec.uri")},
		{name: "bucket too long", mut: uri("gs://" + strings.Repeat("a", 64)), want: p("spec.uri")},
		{name: "bucket dotted part too long", mut: uri("gs://a." + strings.Repeat("a", 64)), want: p("spec.uri")},
		{name: "region required", mut: func(c *tether.Connection) { c.Spec.Region = "" },
			want: p("spec.region"), msg: "spec.region: required by type gcs"},
		{name: "region project id", mut: func(c *tether.Connection) { c.Spec.Region = "my-project-123" }},
		{name: "region with space", mut: func(c *tether.Connection) { c.Spec.Region = "us central1" }, want: p("spec.region")},
		{name: "keySecret required", mut: func(c *tether.Connection) { c.Spec.KeySecret = "" },
			want: p("spec.keySecret"), msg: "spec.keySecret: required by type gcs"},
		{name: "keySecret not base64", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(serviceAccountJSON) },
			want: p("spec.keySecret"), msg: "must be base64-encoded"},
		{name: "keySecret not json", mut: key("not a key"), want: p("spec.keySecret"), msg: "service-account key"},
		{name: "keySecret json array", mut: key(`["service_account"]`), want: p("spec.keySecret")},
		{name: "keySecret without type", mut: key(`{"project_id": "x"}`), want: p("spec.keySecret"), msg: `no "type"`},
		{name: "keySecret type not string", mut: key(`{"type": 1}`), want: p("spec.keySecret")},
		{name: "keySecret authorized_user", mut: key(`{"type": "authorized_user"}`)},
		{name: "keySecret masked", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Mask },
			want: p("spec.keySecret"), msg: "is masked"},
		{name: "role rejected", mut: func(c *tether.Connection) { c.Spec.Role = "roles/storage.objectAdmin" },
			want: p("spec.role"), msg: "spec.role: not supported by type gcs"},
		{name: "keyID accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.KeyID = tether.Secret(b64("x")) }},
		{name: "emulator endpoint", mut: param("endpoint", "http://fake-gcs:4443")},
		{name: "endpoint not a URL", mut: param("endpoint", "fake-gcs:4443"), want: p("spec.parameters.endpoint")},
		{name: "unknown parameter", mut: param("project", "x"),
			want: p("spec.parameters.project"), msg: "unknown parameter"},
	})
}

// TestRenderGCSEmulator checks that an emulator's endpoint reaches Google's
// client libraries as STORAGE_EMULATOR_HOST, and that Cloud Storage itself
// gets no such variable.
func TestRenderGCSEmulator(t *testing.T) {
	for _, tc := range []struct{ endpoint, want string }{
		{"http://fake-gcs:4443", "http://fake-gcs:4443"},
		{"", ""},
	} {
		c := validConn(t, "gcs")
		if tc.endpoint != "" {
			c.Spec.Parameters = tether.Params{"endpoint": tc.endpoint}
		}
		if got := render(t, c).Env["STORAGE_EMULATOR_HOST"]; got != tc.want {
			t.Errorf("endpoint %q: STORAGE_EMULATOR_HOST=%q, want %q", tc.endpoint, got, tc.want)
		}
	}
}
