package conntype_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// airflowCases are connections, beside each type's valid one, whose
// Airflow round trip is tested: the other forms a type takes.
func airflowCases(t *testing.T) []*tether.Connection {
	var out []*tether.Connection
	add := func(typ string, mut func(s *tether.ConnectionSpec)) {
		if conntype.New().Type(typ) == nil {
			return
		}
		c := validConn(t, typ)
		mut(&c.Spec)
		out = append(out, c)
	}
	add("git", func(s *tether.ConnectionSpec) {
		*s = tether.ConnectionSpec{Type: "git", URI: "https://gitlab.com/org/test", Username: "bot",
			Password: tether.Secret(b64("glpat-token")), Reference: "main"}
	})
	add("ssh", func(s *tether.ConnectionSpec) {
		s.Password, s.KeySecret = "", tether.Secret(b64(newSSHKeys(t).private))
		s.PublicKey = b64("[bastion.example.com]:2222 " + newSSHKeys(t).authLine + "\n")
		s.URI = "ssh://bastion.example.com:2222"
	})
	add("http", func(s *tether.ConnectionSpec) { s.Username, s.URI = "", "http://127.0.0.1:8080/api" })
	add("wasb", func(s *tether.ConnectionSpec) {
		s.KeySecret, s.Parameters = "", tether.Params{"sasToken": b64("sv=2022-11-02&ss=b&sig=abc%3D")}
	})
	add("aws", func(s *tether.ConnectionSpec) {
		s.Role, s.Parameters = "arn:aws:iam::123456789012:role/reader", tether.Params{"sessionToken": b64("tok"), "externalId": "ext-1"}
	})
	add("grpc", func(s *tether.ConnectionSpec) { s.URI = "grpc://127.0.0.1:50051" })
	add("jenkins", func(s *tether.ConnectionSpec) { s.URI = "http://ci.example.com:8080/jenkins" })
	add("ftp", func(s *tether.ConnectionSpec) { s.URI = "ftps://ftp.example.com:990/in" })
	return out
}

// TestKindsAirflowRoundTrip sends every connection that has an Airflow form to
// Airflow's model, through JSON as `airflow connections export` writes it,
// and back: the connection read back is valid and renders exactly as the
// original does.
func TestKindsAirflowRoundTrip(t *testing.T) {
	reg := conntype.New()
	var conns []*tether.Connection
	for _, ct := range reg.Types() {
		// A form without From is exported only (ecr: its keys never
		// leave the server, only a registry token does).
		// The Odahu types' forms have TestAirflowRoundTrip.
		if ct.Airflow != nil && ct.Airflow.From != nil && !odahuType(ct.Name) {
			conns = append(conns, validConn(t, ct.Name))
		}
	}
	for _, c := range append(conns, airflowCases(t)...) {
		ct := reg.Type(c.Spec.Type)
		t.Run(ct.Name+" "+c.Spec.URI, func(t *testing.T) {
			a, err := ct.Airflow.To(c)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(ct.Airflow.ConnTypes, a.ConnType) && !(ct.Name == "ftp" && a.ConnType == "ftps") {
				t.Errorf("conn_type %q, want %q", a.ConnType, ct.Airflow.ConnTypes[0])
			}
			data, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			var back tether.AirflowConnection
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			spec, err := ct.Airflow.From(&back)
			if err != nil {
				t.Fatalf("From(%s): %v", data, err)
			}
			spec.Type = ct.Name
			d := &tether.Connection{Kind: tether.Kind, ID: c.ID, Spec: *spec}
			if err := reg.Validate(d); err != nil {
				t.Fatalf("the connection read back is invalid: %v\n%s", err, data)
			}
			want, _ := ct.Render(c, "/conn")
			got, _ := ct.Render(d, "/conn")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rendering after the round trip (-before +after):\n%s", diff)
			}
		})
	}
}

// TestAirflowFromRefusesIncomplete checks that each form refuses an
// Airflow connection lacking what it needs, with an EINVALID error that
// names the conn_type.
func TestAirflowFromRefusesIncomplete(t *testing.T) {
	for _, ct := range conntype.New().Types() {
		if ct.Airflow == nil || ct.Airflow.From == nil || ct.Group == tether.GroupDatabase || ct.Name == "custom" || ct.Name == "grpc" || ct.Name == "http" || ct.Name == "ftp" {
			continue // these take an empty connection: host alone makes one
		}
		_, err := ct.Airflow.From(&tether.AirflowConnection{ConnType: ct.Airflow.ConnTypes[0]})
		if tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("%s: From of an empty connection: %v, want EINVALID", ct.Name, err)
		}
	}
}

// TestPolyaxonForms maps git, docker (Polyaxon's registry) and wasb to
// Polyaxon's schemas and back.
func TestPolyaxonForms(t *testing.T) {
	reg := conntype.New()
	for _, tc := range []struct{ typ, kind, key string }{
		{"git", "git", "url"}, {"docker", "registry", "url"}, {"wasb", "wasb", "bucket"},
	} {
		c := validConn(t, tc.typ)
		form := reg.Type(tc.typ).Polyaxon
		if form == nil || form.Kind != tc.kind {
			t.Fatalf("%s: Polyaxon form %+v, want kind %s", tc.typ, form, tc.kind)
		}
		schema := form.Schema(c)
		if schema[tc.key] != c.Spec.URI {
			t.Errorf("%s: schema %v, want %s = %s", tc.typ, schema, tc.key, c.Spec.URI)
		}
		var spec tether.ConnectionSpec
		if err := form.Spec(schema, &spec); err != nil || spec.URI != c.Spec.URI {
			t.Errorf("%s: Spec(%v) = %+v, %v", tc.typ, schema, spec, err)
		}
		if err := form.Spec(map[string]any{}, &spec); tether.ErrorCode(err) != tether.EINVALID ||
			!strings.Contains(tether.ErrorMessage(err), tc.key) {
			t.Errorf("%s: Spec of an empty schema: %v", tc.typ, err)
		}
	}
	if s := reg.Type("git").Polyaxon.Schema(validConn(t, "git")); s["revision"] != "master" {
		t.Errorf("git's Polyaxon schema %v has no revision", s)
	}
}

// odahuType reports whether name is one of Odahu's six types.
func odahuType(name string) bool {
	switch name {
	case "s3", "gcs", "azureblob", "git", "docker", "ecr":
		return true
	}
	return false
}
