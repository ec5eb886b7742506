package main_test

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestExportPolyaxon exports connections as a Polyaxon agent config and the
// Secrets its entries refer to: each entry has the kind and schema Polyaxon
// reads and names its Secret, mounted where the type's credentials are
// files; each Secret is the one render --as k8s-secret gives.
func TestExportPolyaxon(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	wantExit(t, c.run("", "conn", "import", "airflow", airflowFixture("connections.yaml")), 0)

	out := c.ok("conn", "export", "--to", "polyaxon", "--k8s-namespace", "px")
	docs := strings.Split(out, "\n---\n")
	if len(docs) != 4 {
		t.Fatalf("export printed %d documents, want the config and 3 Secrets:\n%s", len(docs), out)
	}
	var cfg struct {
		Connections []struct {
			Name        string            `json:"name"`
			Description string            `json:"description"`
			Kind        string            `json:"kind"`
			Schema      map[string]string `json:"schema"`
			Secret      map[string]string `json:"secret"`
		} `json:"connections"`
	}
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &cfg); err != nil {
		t.Fatalf("the config: %v\n%s", err, docs[0])
	}
	want := map[string][3]string{ // name: kind, schema value, mountPath
		"azure-sas":       {"wasb", "wasbs://models@acct.blob.core.windows.net/", ""},
		"git-ml-repo":     {"git", "git@github.com:org/ml-repo.git", "/etc/tether/git-ml-repo"},
		"minio-artifacts": {"s3", "s3://artifacts", ""},
	}
	for _, e := range cfg.Connections {
		w, ok := want[e.Name]
		value := e.Schema["bucket"] + e.Schema["url"]
		if !ok || e.Kind != w[0] || value != w[1] || e.Secret["name"] != e.Name || e.Secret["mountPath"] != w[2] {
			t.Errorf("entry %+v, want kind %s, schema %s, secret %s mounted at %q", e, w[0], w[1], e.Name, w[2])
		}
		delete(want, e.Name)
	}
	if len(want) > 0 {
		t.Errorf("entries missing: %v", want)
	}
	for i, id := range []string{"azure-sas", "git-ml-repo", "minio-artifacts"} {
		args := []string{"conn", "render", "--id", id, "--as", "k8s-secret", "--k8s-namespace", "px"}
		if id == "git-ml-repo" {
			args = append(args, "--mount-path", "/etc/tether/git-ml-repo")
		}
		var got, rendered map[string]any
		if err := yaml.Unmarshal([]byte(docs[i+1]), &got); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal([]byte(c.ok(args...)), &rendered); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, rendered) {
			t.Errorf("exported Secret of %s differs from render --as k8s-secret:\n%v\n%v", id, got, rendered)
		}
	}
	wantError(t, c.run("", "conn", "export", "--to", "airflow"), 2, `--to "airflow": the only peer is polyaxon`)
	s.stop()
}

// TestImportPolyaxonRefused imports Polyaxon configs that cannot be
// imported: nothing is written, and each entry's reason is named.
func TestImportPolyaxonRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	cfg := writeFile(t, c.dir, "agent.yaml", `connections:
  - name: tableau
    kind: tableau
  - name: typo
    kind: s3
    schema: {bucket: "s3://b1"}
    secrets: {name: x}
  - name: gcs-data
    kind: gcs
    schema: {bucket: "s3://wrong-scheme"}
`)
	for _, args := range [][]string{{cfg}, {cfg, "--dry-run"}} {
		r := c.run("", append([]string{"conn", "import", "polyaxon"}, args...)...)
		wantError(t, r, 3, `refused connections[0] "tableau": Polyaxon kind "tableau" has no Tether type`,
			`refused connections[1]: the Polyaxon connection is invalid: secrets: unknown field`,
			`refused connections[2] "gcs-data": the Polyaxon schema bucket must start with gs://`,
			"3 entries refused; nothing was imported")
	}
	wantError(t, c.run("", "conn", "import", "polyaxon", writeFile(t, c.dir, "bad.yaml", "connections: [")), 3,
		"is not a valid Polyaxon agent config (a YAML mapping): error at line")
	wantError(t, c.run("", "conn", "import", "polyaxon", writeFile(t, c.dir, "bin.yaml", "connections:\n- name: \"\xff\"\n")), 3,
		"bin.yaml is not valid UTF-8")
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Errorf("after refused imports, conn get printed %q, want an empty list", out)
	}
	s.stop()
}
