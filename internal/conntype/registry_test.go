package conntype_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

func TestTypes(t *testing.T) {
	r := conntype.New()
	var names []string
	for _, ct := range r.Types() {
		names = append(names, ct.Name)
		if r.Type(ct.Name) != ct {
			t.Errorf("Type(%q) is not the schema Types returns", ct.Name)
		}
	}
	want := []string{"aws", "azure", "azureblob", "cassandra", "cloudant", "custom", "databricks", "discord",
		"docker", "ecr", "ftp", "gcp", "gcs", "git", "grpc", "hdfs", "hipchat", "hive_cli", "hive_metastore",
		"hive_server2", "host_path", "http", "jdbc", "jenkins", "mattermost", "mongo", "mssql", "mysql", "oracle",
		"pager_duty", "pig_cli", "postgres", "presto", "redis", "s3", "samba", "segment", "slack", "snowflake",
		"sqlite", "ssh", "vertica", "volume_claim", "wasb", "webhook"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Types (-want +got):\n%s", diff)
	}
	if r.Type("gopher") != nil || r.Type("") != nil {
		t.Error("Type of an unknown name is not nil")
	}
	r.Types()[0] = nil
	if r.Types()[0] == nil {
		t.Error("Types returns the registry's own slice")
	}
}

// TestSchemas checks every schema's consistency: the fields it declares
// exist, secrets live in fields of Go type tether.Secret (so they redact
// themselves in logs), everything is described, enums have values.
func TestSchemas(t *testing.T) {
	secretTyped := secretTypedFields()
	for _, ct := range conntype.New().Types() {
		if ct.Description == "" || ct.Check == nil {
			t.Errorf("%s: no description or no Check", ct.Name)
		}
		seen := map[string]bool{}
		for _, f := range ct.Fields {
			switch {
			case !slices.Contains(tether.TypedFields, f.Name):
				t.Errorf("%s: field %q is not one of tether.TypedFields", ct.Name, f.Name)
			case seen[f.Name]:
				t.Errorf("%s: field %q declared twice", ct.Name, f.Name)
			case f.Secret && !secretTyped[f.Name]:
				t.Errorf("%s: secret field %q is not of type tether.Secret", ct.Name, f.Name)
			case f.Description == "":
				t.Errorf("%s: field %q has no description", ct.Name, f.Name)
			}
			seen[f.Name] = true
		}
		for _, prm := range ct.Parameters {
			if prm.Description == "" || seen["parameters."+prm.Name] {
				t.Errorf("%s: parameter %q undescribed or declared twice", ct.Name, prm.Name)
			}
			if (prm.Format == tether.FormatEnum) != (len(prm.Enum) > 0) {
				t.Errorf("%s: parameter %q: Enum and Format disagree", ct.Name, prm.Name)
			}
			seen["parameters."+prm.Name] = true
		}
	}
}

// secretTypedFields returns the wire names of the spec fields of Go type
// tether.Secret.
func secretTypedFields() map[string]bool {
	out := map[string]bool{}
	st := reflect.TypeFor[tether.ConnectionSpec]()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.Type == reflect.TypeFor[tether.Secret]() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			out[name] = true
		}
	}
	return out
}

// TestOdahuRequiredFields checks each type's schema against Odahu's list of
// required fields, and the fields Odahu rejects.
func TestOdahuRequiredFields(t *testing.T) {
	cases := []struct {
		typ      string
		required []string
		rejected []string
	}{
		{"s3", []string{"region", "keyID", "keySecret"}, nil}, // role: an IAM role to assume
		{"gcs", []string{"region", "keySecret"}, []string{"role"}},
		{"azureblob", []string{"keySecret"}, nil},
		// git requires keySecret over SSH only (checkGit): over HTTPS
		// it takes a token.
		{"git", nil, nil},
		{"docker", []string{"username", "password"}, nil},
		{"ecr", []string{"keyID", "keySecret"}, nil},
	}
	r := conntype.New()
	for _, tc := range cases {
		ct := r.Type(tc.typ)
		var required []string
		for _, f := range ct.Fields {
			if f.Required {
				required = append(required, f.Name)
			}
		}
		if diff := cmp.Diff(tc.required, required); diff != "" {
			t.Errorf("%s: required fields (-want +got):\n%s", tc.typ, diff)
		}
		for _, name := range tc.rejected {
			if ct.Field(name) != nil {
				t.Errorf("%s: accepts %s", tc.typ, name)
			}
		}
	}
}
