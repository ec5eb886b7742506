package conntype_test

import (
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

func TestCustom(t *testing.T) {
	keys := func(k ...string) func(c *tether.Connection) {
		return func(c *tether.Connection) { c.Spec.SecretKeys = k }
	}
	runTypeCases(t, "custom", []typeCase{
		{name: "example"},
		{name: "any key", mut: param("anything.goes-here_1", "v")},
		{name: "no secret keys", mut: keys()},
		{name: "secret key unset", mut: keys("FEATURE_STORE_TOKEN", "PASSWORD"),
			want: p("spec.parameters.PASSWORD"), msg: "named by spec.secretKeys but not set"},
		{name: "secret key twice", mut: keys("FEATURE_STORE_TOKEN", "FEATURE_STORE_TOKEN"),
			want: p("spec.secretKeys"), msg: "twice"},
		{name: "secret key not a name", mut: keys("a b"), want: p("spec.secretKeys")},
		{name: "secret masked", mut: param("FEATURE_STORE_TOKEN", tether.Mask),
			want: p("spec.parameters.FEATURE_STORE_TOKEN"), msg: "is masked"},
		{name: "non-secret may be anything", mut: param("NOTE", tether.Mask)},
		{name: "key with space", mut: param("a b", "v"), want: p(`spec.parameters["a b"]`), msg: "parameter names are"},
		{name: "key starting with dash", mut: param("-x", "v"), want: p("spec.parameters.-x")},
		{name: "value with newline", mut: param("X", "a\nb"), want: p("spec.parameters.X"), msg: "control characters"},
		{name: "keys rendering as one variable", mut: param("feature.store.project", "x"),
			want: p("spec.parameters.feature.store.project"), msg: "renders as variable FEATURE_STORE_PROJECT"},
		{name: "uri with newline", mut: uri("a\nb"), want: p("spec.uri")},
	})
	// secretKeys belongs to free-form types only.
	runTypeCases(t, "http", []typeCase{
		{name: "secretKeys refused", mut: keys("password"), want: p("spec.secretKeys"), msg: "not supported by type http"},
		{name: "free parameter refused", mut: param("X", "v"), want: p("spec.parameters.X"), msg: "accepts no parameters"},
	})
}

// TestSecretParameters checks the schema's view of secret parameters: a
// custom connection's secretKeys, a schema's secret parameters, and
// nothing from secretKeys for a type without free-form parameters.
func TestSecretParameters(t *testing.T) {
	names := func(typ string, spec *tether.ConnectionSpec) []string {
		var out []string
		for _, prm := range validConnType(t, typ).SecretParameters(spec) {
			out = append(out, prm.Name)
		}
		return out
	}
	custom := validConn(t, "custom").Spec
	if got := names("custom", &custom); len(got) != 1 || got[0] != "FEATURE_STORE_TOKEN" {
		t.Errorf("custom: %v", got)
	}
	s3 := validConn(t, "s3").Spec
	s3.SecretKeys = []string{"endpoint"}
	if got := names("s3", &s3); len(got) != 1 || got[0] != "sessionToken" {
		t.Errorf("s3: %v, want sessionToken alone", got)
	}
}

func validConnType(t *testing.T, typ string) *tether.ConnectionType {
	t.Helper()
	return conntype.New().Type(typ)
}
