package conntype_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/airflow"
	"github.com/tether-ml/tether/internal/conntype"
)

// TestAirflowRoundTrip exports each type to Airflow, through the
// AIRFLOW_CONN_ URI and its JSON form, and imports it back: the spec is
// the original, less what Airflow has no place for (named per type).
func TestAirflowRoundTrip(t *testing.T) {
	r := conntype.New()
	tests := []struct {
		typ      string
		connType string
		edit     func(s *tether.ConnectionSpec) // what Airflow cannot carry
	}{
		{"s3", "aws", func(s *tether.ConnectionSpec) { s.URI = "s3://raw-data" }},
		{"gcs", "google_cloud_platform", func(s *tether.ConnectionSpec) { s.Region = "ml-prod" }},
		{"azureblob", "wasb", nil},
		{"docker", "docker", nil},
		{"git", "git", func(*tether.ConnectionSpec) {}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			c := validConn(t, tt.typ)
			c.Spec.Description = "a description: with @ and /"
			if tt.typ == "gcs" {
				c.Spec.KeySecret = tether.Secret(b64(`{"type": "service_account", "project_id": "ml-prod", "private_key": "k"}`))
			}
			a, err := r.ToAirflow(c)
			if err != nil {
				t.Fatal(err)
			}
			if a.ConnType != tt.connType {
				t.Errorf("conn_type %s, want %s", a.ConnType, tt.connType)
			}
			uri, err := airflow.URI(a)
			if err != nil {
				t.Fatal(err)
			}
			viaURI, err := airflow.ParseURI(uri)
			if err != nil {
				t.Fatalf("ParseURI: %v", err)
			}
			j, err := airflow.JSON(a)
			if err != nil {
				t.Fatal(err)
			}
			viaJSON, err := airflow.ParseJSON(j)
			if err != nil {
				t.Fatalf("ParseJSON: %v", err)
			}
			want := c.Spec
			if tt.edit != nil {
				tt.edit(&want)
			}
			for name, back := range map[string]*tether.AirflowConnection{"uri": viaURI, "json": viaJSON} {
				back.Description = a.Description // a URI has no description
				s, err := r.FromAirflow(back)
				if err != nil {
					t.Fatalf("%s: FromAirflow: %v", name, err)
				}
				got := &tether.Connection{Kind: tether.Kind, ID: c.ID, Spec: *s}
				if err := r.Validate(got); err != nil {
					t.Fatalf("%s: the imported connection is invalid: %v", name, err)
				}
				if diff := cmp.Diff(want, got.Spec); diff != "" {
					t.Errorf("%s: round trip (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

// TestAirflowS3Options carries an S3-compatible store's options and a
// role through Airflow's aws extra.
func TestAirflowS3Options(t *testing.T) {
	r := conntype.New()
	c := validConn(t, "s3")
	c.Spec.URI = "s3://models"
	c.Spec.Role = "arn:aws:iam::123456789012:role/reader"
	c.Spec.Parameters = tether.Params{"endpoint": "http://127.0.0.1:9000", "forcePathStyle": "true",
		"signatureVersion": "s3v4", "externalId": "ext-1", "durationSeconds": "1800"}
	a, err := r.ToAirflow(c)
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := airflow.URI(a)
	back, err := airflow.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.FromAirflow(back)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c.Spec, *s); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.Contains(uri, "__extra__") || strings.Contains(uri, "wJalrXUtnFEMI/") {
		t.Errorf("URI %s: want a nested extra and the quoted secret", uri)
	}
}

// TestAirflowImportRefused checks the refusals of Airflow connections that
// no type reads, each naming what is missing.
func TestAirflowImportRefused(t *testing.T) {
	r := conntype.New()
	tests := []struct {
		conn tether.AirflowConnection
		want string
	}{
		{tether.AirflowConnection{ConnType: "tableau"}, `Airflow conn_type "tableau" has no Tether type`},
		{tether.AirflowConnection{ConnType: "google_cloud_platform", Schema: "b", Extra: map[string]any{"key_path": "/k.json"}}, "has no keyfile_dict"},
		{tether.AirflowConnection{ConnType: "wasb", Login: "acct", Password: "account-key", Schema: "c"}, "has no sas_token"},
		{tether.AirflowConnection{ConnType: "git", Host: "git@h:o/r.git", Extra: map[string]any{"key_file": "/k"}}, "key_file"},
		{tether.AirflowConnection{ConnType: "docker", Login: "u"}, "has no host"},
	}
	for _, tt := range tests {
		_, err := r.FromAirflow(&tt.conn)
		if err == nil || !strings.Contains(err.Error(), tt.want) || tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("FromAirflow(%s) = %v, want EINVALID containing %q", tt.conn.ConnType, err, tt.want)
		}
	}
	// Delivered, ecr is a docker login; as stored it cannot be exported.
	e := validConn(t, "ecr")
	a, err := r.ToAirflow(e)
	if err != nil || a.ConnType != "docker" || a.Host != "5555555555.dkr.ecr.eu-central-1.amazonaws.com" || a.Password != "ecr-token" {
		t.Errorf("ecr ToAirflow = %+v, %v", a, err)
	}
	e.Spec.Password = ""
	if _, err := r.ToAirflow(e); err == nil {
		t.Error("an ecr connection without a token was exported")
	}
}

// TestPolyaxonRoundTrip exports each type's Polyaxon entry and imports it
// back: the kind and schema Polyaxon reads, the type and uri Tether keeps.
func TestPolyaxonRoundTrip(t *testing.T) {
	r := conntype.New()
	tests := []struct{ typ, kind, key, value string }{
		{"s3", "s3", "bucket", "s3://raw-data/model/input"},
		{"gcs", "gcs", "bucket", "gs://raw-data/model/input"},
		{"azureblob", "wasb", "bucket", "wasbs://raw-data@myaccount.blob.core.windows.net/model/input"},
		{"docker", "registry", "url", "gcr.io/project/odahuflow"},
		{"ecr", "registry", "url", "5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow"},
		{"git", "git", "url", "git@github.com:odahu/odahu-examples.git"},
	}
	for _, tt := range tests {
		c := validConn(t, tt.typ)
		c.Spec.SecretRef = &tether.ObjectRef{Name: "conn-1", MountPath: "/etc/conn"}
		p, err := r.ToPolyaxon(c)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != tt.kind || p.Schema[tt.key] != tt.value || p.Name != c.ID || p.Secret.Name != "conn-1" {
			t.Errorf("%s: ToPolyaxon = %+v, want kind %s and %s %s", tt.typ, p, tt.kind, tt.key, tt.value)
		}
		s, err := r.FromPolyaxon(p)
		if err != nil {
			t.Fatalf("%s: FromPolyaxon: %v", tt.typ, err)
		}
		want := tt.typ
		if tt.typ == "azureblob" {
			// Polyaxon's wasb kind reads back as the type of that name,
			// which keeps the account; azureblob has it only in its SAS.
			want, c.Spec.URI = "wasb", tt.value
		}
		if s.Type != want || s.URI != c.Spec.URI || !cmp.Equal(s.SecretRef, c.Spec.SecretRef) {
			t.Errorf("%s: FromPolyaxon = type %s uri %s secret %+v, want %s %s", tt.typ, s.Type, s.URI, s.SecretRef, tt.typ, c.Spec.URI)
		}
	}
	for _, bad := range []tether.PolyaxonConnection{
		{Name: "x", Kind: "tableau"},
		{Name: "x", Kind: "s3", Schema: map[string]any{"bucket": "gs://b"}},
		{Name: "x", Kind: "registry", Schema: map[string]any{}},
	} {
		if _, err := r.FromPolyaxon(&bad); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("FromPolyaxon(%+v) = %v, want EINVALID", bad, err)
		}
	}
}
