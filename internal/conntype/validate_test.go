package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// TestGeneric covers the rules every type shares, on an s3 connection.
func TestGeneric(t *testing.T) {
	var names []string
	for _, ct := range conntype.New().Types() {
		names = append(names, ct.Name)
	}
	supported := "(supported: " + strings.Join(names, ", ") + ")"
	runTypeCases(t, "s3", []typeCase{
		{name: "valid"},
		{name: "no kind", mut: func(c *tether.Connection) { c.Kind = "" }},
		{name: "wrong kind", mut: func(c *tether.Connection) { c.Kind = "Secret" }, want: p("kind")},
		{name: "id required", mut: func(c *tether.Connection) { c.ID = "" }, want: p("id"), msg: "id: required"},
		{name: "id uppercase", mut: func(c *tether.Connection) { c.ID = "Training" }, want: p("id"),
			msg: "id: must be at most 63 characters, only lowercase alphanumerics and '-', starting and ending with an alphanumeric"},
		{name: "id leading dash", mut: func(c *tether.Connection) { c.ID = "-a" }, want: p("id")},
		{name: "id trailing dash", mut: func(c *tether.Connection) { c.ID = "a-" }, want: p("id")},
		{name: "id underscore", mut: func(c *tether.Connection) { c.ID = "a_b" }, want: p("id")},
		{name: "id 63 chars", mut: func(c *tether.Connection) { c.ID = strings.Repeat("a", 63) }},
		{name: "id 64 chars", mut: func(c *tether.Connection) { c.ID = strings.Repeat("a", 64) }, want: p("id")},
		{name: "id one char", mut: func(c *tether.Connection) { c.ID = "a" }},
		{name: "type required", mut: func(c *tether.Connection) { c.Spec.Type = "" }, want: p("spec.type"),
			msg: "spec.type: required " + supported},
		{name: "type unknown", mut: func(c *tether.Connection) { c.Spec.Type = "nosuchtype" }, want: p("spec.type"),
			msg: `spec.type: unknown type "nosuchtype" ` + supported},
		{name: "type case matters", mut: func(c *tether.Connection) { c.Spec.Type = "S3" }, want: p("spec.type")},
		{name: "uri required", mut: func(c *tether.Connection) { c.Spec.URI = "" }, want: p("spec.uri"), msg: "spec.uri: required"},
		{name: "webUILink https", mut: func(c *tether.Connection) { c.Spec.WebUILink = "https://console.example/raw-data?x=1" }},
		{name: "webUILink http", mut: func(c *tether.Connection) { c.Spec.WebUILink = "http://127.0.0.1:8080" }},
		{name: "webUILink relative", mut: func(c *tether.Connection) { c.Spec.WebUILink = "/raw-data" },
			want: p("spec.webUILink"), msg: "spec.webUILink: must be an absolute http(s) URL"},
		{name: "webUILink no host", mut: func(c *tether.Connection) { c.Spec.WebUILink = "https:///x" }, want: p("spec.webUILink")},
		{name: "webUILink javascript", mut: func(c *tether.Connection) { c.Spec.WebUILink = "javascript:alert(1)" },
			want: p("spec.webUILink")},
		{name: "webUILink credentials", mut: func(c *tether.Connection) { c.Spec.WebUILink = "https://u:p@x.example" },
			want: p("spec.webUILink"), msg: "must not embed credentials"},
		{name: "description free text", mut: func(c *tether.Connection) { c.Spec.Description = "Données d'entraînement — «prod»" }},
		{name: "description with a control character", mut: func(c *tether.Connection) { c.Spec.Description = "line 1\rline 2" },
			want: p("spec.description"), msg: "spec.description: must not contain control characters"},
		{name: "vital", mut: func(c *tether.Connection) { c.Spec.Vital = true }},
		{name: "region with spaces", mut: func(c *tether.Connection) { c.Spec.Region = "eu-central-1 " },
			want: p("spec.region"), msg: "spec.region: must not have leading or trailing spaces"},
		{name: "odd parameter key quoted", mut: func(c *tether.Connection) { c.Spec.Parameters = tether.Params{"a b": "x"} },
			want: p(`spec.parameters["a b"]`), msg: "unknown parameter"},
		{name: "long parameter key cut", mut: func(c *tether.Connection) {
			c.Spec.Parameters = tether.Params{strings.Repeat("k", 100): "x"}
		}, want: p(`spec.parameters["` + strings.Repeat("k", 64) + `..."]`)},
	})
}

func TestValidateNil(t *testing.T) {
	err := conntype.New().Validate(nil)
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("Validate(nil) = %v, want EINVALID", err)
	}
}

// TestSubject checks how the error names the connection: by id when the id
// is valid, generically when it is not (it is not echoed).
func TestSubject(t *testing.T) {
	r := conntype.New()
	c := validConn(t, "s3")
	c.Spec.Region = ""
	if msg := tether.ErrorMessage(r.Validate(c)); !strings.HasPrefix(msg, `connection "conn-1" is invalid: `) {
		t.Errorf("message %q does not name the connection", msg)
	}
	c.ID = "Bad<ID>"
	if msg := tether.ErrorMessage(r.Validate(c)); !strings.HasPrefix(msg, "connection is invalid: ") || strings.Contains(msg, "Bad<ID>") {
		t.Errorf("message %q echoes an invalid id", msg)
	}
}

// TestAllProblemsAtOnce checks that one request with many problems gets
// every one of them, in one EINVALID error.
func TestAllProblemsAtOnce(t *testing.T) {
	c := &tether.Connection{Kind: "Conection", ID: "Bad_ID", Spec: tether.ConnectionSpec{
		Type:       "s3",
		URI:        "https://raw-data",
		Role:       "admin",
		KeyID:      "not base64!",
		KeySecret:  tether.Mask,
		WebUILink:  "ftp://x",
		Parameters: tether.Params{"foo": "1", "forcePathStyle": "maybe", "sessionToken": "%%%"},
	}}
	err := conntype.New().Validate(c)
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Fatalf("Validate = %v, want EINVALID", err)
	}
	want := p("id", "kind", "spec.keyID", "spec.keySecret", "spec.parameters.foo", "spec.parameters.forcePathStyle",
		"spec.parameters.sessionToken", "spec.region", "spec.role", "spec.uri", "spec.webUILink")
	check(t, err, want, "")
	if n := strings.Count(tether.ErrorMessage(err), "; "); n != len(want)-1 {
		t.Errorf("message has %d separators, want %d: %s", n, len(want)-1, err)
	}
}
