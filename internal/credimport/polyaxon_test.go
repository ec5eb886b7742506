package credimport_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/credimport"
)

// TestPolyaxonConfig reads the connections of an agent config: each kind
// becomes its type, the schema its uri, the secret and configMap its
// references; an entry listed twice is read once; unknown kinds and keys
// are refused one by one.
func TestPolyaxonConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/polyaxon-agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := credimport.PolyaxonConfig("agent.yaml", data, conntype.New(), "px-")
	if err != nil {
		t.Fatal(err)
	}
	type conn struct {
		id, typ, uri string
		secret       *tether.ObjectRef
		configMap    *tether.ObjectRef
	}
	var got []conn
	for _, c := range res.Connections {
		got = append(got, conn{c.ID, c.Spec.Type, c.Spec.URI, c.Spec.SecretRef, c.Spec.ConfigMapRef})
	}
	want := []conn{
		{"px-azure", "wasb", "wasbs://artifacts@polyaxonacct.blob.core.windows.net/", &tether.ObjectRef{Name: "az-secret"}, nil},
		{"px-docker-connection", "docker", "registry.example.com/org", &tether.ObjectRef{Name: "docker-conf", MountPath: "/kaniko/.docker"}, nil},
		{"px-ecr-images", "ecr", "123456789012.dkr.ecr.eu-central-1.amazonaws.com/images", &tether.ObjectRef{Name: "ecr-keys"}, nil},
		{"px-my-slack", "slack", "", &tether.ObjectRef{Name: "my-slack"}, nil},
		{"px-raw-data", "s3", "s3://raw-data/input", &tether.ObjectRef{Name: "aws-keys", Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
			&tether.ObjectRef{Name: "aws-region"}},
		{"px-repo-test", "git", "git@gitlab.com:org/test.git", &tether.ObjectRef{Name: "gitlab-connection", MountPath: "/etc/git-secret"}, nil},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(conn{})); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
	if d := res.Connections[1].Spec.Description; d != "some description" {
		t.Errorf("description %q", d)
	}
	var refused []string
	for _, r := range res.Refused {
		refused = append(refused, r.Source+": "+r.Reason)
	}
	wantRefused := []string{
		`connections[5] "tableau": Polyaxon kind "tableau" has no Tether type`,
		`connections[6]: the Polyaxon connection is invalid: secrets: unknown field`,
	}
	if len(refused) != len(wantRefused) {
		t.Fatalf("refused %q, want %q", refused, wantRefused)
	}
	for i := range refused {
		if !strings.HasPrefix(refused[i], wantRefused[i]) {
			t.Errorf("refused %q, want it to start with %q", refused[i], wantRefused[i])
		}
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Source, `"azure"`) {
		t.Errorf("skipped %v, want the second listing of azure", res.Skipped)
	}
}

// TestPolyaxonConfigRefused checks the files that are not agent configs.
func TestPolyaxonConfigRefused(t *testing.T) {
	tests := []struct{ data, want string }{
		{"connections: [", "agent.yaml is not a valid Polyaxon agent config (a YAML mapping): error at line"},
		{"- a\n- b\n", "not a valid Polyaxon agent config"},
		{"connections: {name: x}\n", "connections must be a list of connections"},
		{"namespace: polyaxon\n", "agent.yaml has no connections"},
		{"connections:\n- name: \"\xff\"\n", "agent.yaml is not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := credimport.PolyaxonConfig("agent.yaml", []byte(tt.data), conntype.New(), "")
		if err == nil || !strings.Contains(err.Error(), tt.want) || tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("PolyaxonConfig(%q) = %v, want EINVALID containing %q", tt.data, err, tt.want)
		}
	}
}

// TestPolyaxonRoundTrip writes connections of every type as Polyaxon
// entries (the registry's forms, as conn export does), in an agent config
// YAML, and reads the config back: the types, uris and Secret references
// are the originals.
func TestPolyaxonRoundTrip(t *testing.T) {
	reg := conntype.New()
	conns := []*tether.Connection{
		{ID: "data", Spec: tether.ConnectionSpec{Type: "s3", URI: "s3://raw-data/in"}},
		{ID: "models", Spec: tether.ConnectionSpec{Type: "gcs", URI: "gs://models/v1"}},
		// azureblob is left out: it is exported as Polyaxon's wasb, which
		// reads back as the wasb type.
		{ID: "registry", Spec: tether.ConnectionSpec{Type: "docker", URI: "registry.example.com:5000/org"}},
		{ID: "ecr", Spec: tether.ConnectionSpec{Type: "ecr", URI: "123456789012.dkr.ecr.eu-central-1.amazonaws.com"}},
		{ID: "repo", Spec: tether.ConnectionSpec{Type: "git", URI: "ssh://git@git.example.com:2222/org/repo.git"}},
	}
	var entries []*tether.PolyaxonConnection
	for _, c := range conns {
		c.Spec.SecretRef = &tether.ObjectRef{Name: c.ID, MountPath: "/etc/tether/" + c.ID}
		e, err := reg.ToPolyaxon(c)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	doc, err := yaml.Marshal(map[string]any{"connections": entries})
	if err != nil {
		t.Fatal(err)
	}
	res, err := credimport.PolyaxonConfig("export.yaml", doc, reg, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) > 0 || len(res.Connections) != len(conns) {
		t.Fatalf("read back %d connections, refused %v\n%s", len(res.Connections), res.Refused, doc)
	}
	byID := map[string]*tether.Connection{}
	for _, c := range res.Connections {
		byID[c.ID] = c
	}
	for _, c := range conns {
		got := byID[c.ID]
		if got == nil || got.Spec.Type != c.Spec.Type || got.Spec.URI != c.Spec.URI || !cmp.Equal(got.Spec.SecretRef, c.Spec.SecretRef) {
			t.Errorf("%s read back as %+v, want type %s uri %s", c.ID, got, c.Spec.Type, c.Spec.URI)
		}
	}
}
