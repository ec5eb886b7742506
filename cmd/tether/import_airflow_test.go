package main_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tether-ml/tether/internal/airflow"
)

// airflowFixture is the path of a fixture of internal/airflow: files in the
// formats `airflow connections export` writes.
func airflowFixture(name string) string {
	abs, err := filepath.Abs(filepath.Join("..", "..", "internal", "airflow", "testdata", name))
	if err != nil {
		panic(err)
	}
	return abs
}

// Secrets of the Airflow fixtures, which no output may show.
var airflowSecrets = []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "r3g!stry:pass@word", "minio/secret+key",
	"hub/p@ss", "json/secret", "sig=abc%2Bdef%3D", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"}

// TestImportAirflowFiles imports each format of `airflow connections
// export`: a refused entry (a conn_type no type reads) makes the import
// write nothing, also as a dry run; --skip-invalid imports the others with
// their original secrets; a dry run writes nothing.
func TestImportAirflowFiles(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	js := airflowFixture("connections.json")

	for _, dry := range []string{"--dry-run", "--on-existing=fail"} {
		r := c.run("", "conn", "import", "airflow", js, dry)
		wantError(t, r, 3, `refused conn_id "tableau_default": Airflow conn_type "tableau" has no Tether type`,
			"1 entry refused; nothing was imported (--skip-invalid imports the others)")
		noSecretIn(t, r, airflowSecrets...)
	}
	r := c.run("", "conn", "import", "airflow", js, "--skip-invalid", "--dry-run")
	wantExit(t, r, 0)
	noSecretIn(t, r, airflowSecrets...)
	wantContains(t, "dry-run stdout", r.Stdout, "ACTION", "docker-registry", "registry.example.com:5000", "gcs-models",
		"gs://ml-models/prod", "s3-raw-data", "s3://raw-data", "create", "keyID=***** keySecret=*****")
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Fatalf("after dry runs, conn get printed %q, want an empty list", out)
	}

	for _, f := range []string{js, airflowFixture("connections.yaml"), airflowFixture("connections.env")} {
		r = c.run("", "conn", "import", "airflow", f, "--skip-invalid")
		wantExit(t, r, 0)
		noSecretIn(t, r, airflowSecrets...)
	}
	want := "azure-sas,docker-hub,docker-registry,gcs-models,git-ml-repo,minio-artifacts,s3-json,s3-raw-data,s3-uri"
	if ids := idsOf(t, c.ok("conn", "get", "-o", "json")); ids != want {
		t.Fatalf("imported ids %s, want %s", ids, want)
	}
	checks := []struct{ id, field, want string }{
		{"s3-raw-data", "keySecret", b64("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")},
		{"s3-raw-data", "region", "eu-central-1"},
		{"docker-registry", "password", b64("r3g!stry:pass@word")},
		{"docker-registry", "description", "CI registry"},
		{"docker-hub", "uri", "docker.io"},
		{"docker-hub", "password", b64("hub/p@ss")},
		{"s3-uri", "uri", "s3://uri-bucket"},
		{"s3-json", "region", "us-west-2"},
		{"minio-artifacts", "keySecret", b64("minio/secret+key")},
		{"azure-sas", "uri", "models"},
		{"git-ml-repo", "uri", "git@github.com:org/ml-repo.git"},
	}
	for _, ch := range checks {
		if got := c.getOne(ch.id, true).Spec[ch.field]; got != ch.want {
			t.Errorf("%s spec.%s = %v, want %s", ch.id, ch.field, got, ch.want)
		}
	}
	params, _ := c.getOne("minio-artifacts", false).Spec["parameters"].(map[string]any)
	if params["endpoint"] != "http://127.0.0.1:9000" || params["forcePathStyle"] != "true" {
		t.Errorf("minio-artifacts parameters %v, want its endpoint and path-style addressing", params)
	}
	s.stop()
}

// TestImportAirflowOnExisting re-imports an .env file: fail (the default)
// writes nothing, skip leaves what exists, overwrite replaces it at the
// version read, keeping a vital connection vital; a dry run of an
// overwrite writes nothing.
func TestImportAirflowOnExisting(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	env := writeFile(t, c.dir, "a.env", "docker_hub=docker://hubuser:first@docker.io\n")
	wantExit(t, c.run("", "conn", "import", "airflow", env), 0)
	hub := c.getOne("docker-hub", true)
	hub.Spec["vital"] = true
	if code, body := s.api("PUT", "/api/v1/connection", hub); code != 200 {
		t.Fatalf("making docker-hub vital: %d %s", code, body)
	}
	v := c.getOne("docker-hub", false).Status.Version

	env = writeFile(t, c.dir, "b.env", "docker_hub=docker://hubuser:second@docker.io\nnew_one=docker://u:p@quay.io\n")
	r := c.run("", "conn", "import", "airflow", env)
	wantExit(t, r, 5)
	wantContains(t, "conflict stderr", r.Stderr, "connections exist already: docker-hub; nothing was created")
	r = c.run("", "conn", "import", "airflow", env, "--on-existing", "overwrite", "--dry-run")
	wantExit(t, r, 0)
	wantContains(t, "overwrite dry run", r.Stdout, "overwrite", "create")
	if got := c.getOne("docker-hub", false).Status.Version; got != v {
		t.Errorf("a dry run changed docker-hub's version from %d to %d", v, got)
	}
	if out := c.ok("conn", "get", "-o", "json"); idsOf(t, out) != "docker-hub" {
		t.Errorf("after refused imports, ids %s, want docker-hub", idsOf(t, out))
	}

	r = c.run("", "conn", "import", "airflow", env, "--on-existing", "skip")
	wantExit(t, r, 0)
	wantContains(t, "skip stdout", r.Stdout, `connection "docker-hub" exists, left unchanged`, `connection "new-one" created`)
	if got := c.getOne("docker-hub", true).Spec["password"]; got != b64("first") {
		t.Errorf("--on-existing skip changed docker-hub")
	}

	r = c.run("", "conn", "import", "airflow", env, "--on-existing", "overwrite", "--skip-existing")
	wantError(t, r, 2, "--skip-existing contradicts --on-existing overwrite")
	r = c.run("", "conn", "import", "airflow", env, "--on-existing", "overwrite")
	wantExit(t, r, 0)
	wantContains(t, "overwrite stdout", r.Stdout, `connection "docker-hub" overwritten`, `connection "new-one" overwritten`)
	got := c.getOne("docker-hub", true)
	if got.Spec["password"] != b64("second") || got.Spec["vital"] != true || got.Status.Version != v+1 {
		t.Errorf("overwritten docker-hub: password %v vital %v version %d, want the new password, vital, version %d",
			got.Spec["password"], got.Spec["vital"], got.Status.Version, v+1)
	}
	wantError(t, c.run("", "conn", "import", "airflow", env, "--on-existing", "replace"), 2, `--on-existing "replace"`)
	s.stop()
}

// TestImportAirflowEnv imports the AIRFLOW_CONN_* variables, as URI and as
// JSON.
func TestImportAirflowEnv(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s).with("AIRFLOW_CONN_REGISTRY", "docker://ci:s3cr%2Ft@registry.example.com:5000").
		with("AIRFLOW_CONN_BUCKET", `{"conn_type": "aws", "login": "AKIAIOSFODNN7EXAMPLE", "password": "k/ey",`+
			` "extra": {"region_name": "eu-west-1", "service_config": {"s3": {"bucket_name": "env-bucket"}}}}`)
	wantError(t, newCLI(t, s).run("", "conn", "import", "airflow", "--from-env"), 3, "no AIRFLOW_CONN_* variable is set")
	wantError(t, c.run("", "conn", "import", "airflow", "--from-env", "x.json"), 2, "not both")
	r := c.run("", "conn", "import", "airflow", "--from-env", "--id-prefix", "af-")
	wantExit(t, r, 0)
	noSecretIn(t, r, "s3cr/t", "k/ey")
	if got := c.getOne("af-registry", true).Spec; got["password"] != b64("s3cr/t") || got["uri"] != "registry.example.com:5000" {
		t.Errorf("af-registry = %v", got)
	}
	if got := c.getOne("af-bucket", true).Spec; got["keySecret"] != b64("k/ey") || got["uri"] != "s3://env-bucket" {
		t.Errorf("af-bucket = %v", got)
	}
	s.stop()
}

// TestRenderAirflow renders connections as Airflow reads them, reads the
// URI back by Airflow's rules, and imports the JSON form into new ids: the
// round trip gives the same connection.
func TestRenderAirflow(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	wantExit(t, c.run("", "conn", "import", "airflow", airflowFixture("connections.yaml")), 0)

	line := c.ok("conn", "render", "--id", "minio-artifacts", "--as", "airflow")
	name, uri, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
	if !ok || name != "AIRFLOW_CONN_MINIO_ARTIFACTS" {
		t.Fatalf("render --as airflow printed %q", line)
	}
	a, err := airflow.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	if a.ConnType != "aws" || a.Login != "minioadmin" || a.Password.Reveal() != "minio/secret+key" ||
		a.Extra["endpoint_url"] != "http://127.0.0.1:9000" {
		t.Errorf("the rendered URI reads as %+v", a)
	}

	for _, id := range []string{"minio-artifacts", "azure-sas", "git-ml-repo"} {
		out := c.ok("conn", "render", "--id", id, "--as", "airflow", "-o", "json")
		f := writeFile(t, c.dir, id+".json", out)
		wantExit(t, c.run("", "conn", "import", "airflow", f, "--id-prefix", "copy-"), 0)
		orig, back := c.getOne(id, true).Spec, c.getOne("copy-"+id, true).Spec
		for _, k := range []string{"type", "uri", "region", "keyID", "keySecret", "username", "password", "parameters"} {
			if !reflect.DeepEqual(orig[k], back[k]) {
				t.Errorf("%s: spec.%s %v after the round trip, want %v", id, k, back[k], orig[k])
			}
		}
	}
	wantError(t, c.run("", "conn", "render", "--id", "azure-sas", "--as", "env", "-o", "json"), 2, "-o goes with --as airflow")
	s.stop()
}

// TestImportAirflowRefused checks bad input: a clear message naming the
// file or entry, exit code 3, nothing written, no secret shown.
func TestImportAirflowRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	const pw = "Sup3rSecretValue"
	tests := []struct{ name, data, want string }{
		{"bad.json", `{"a": {"conn_type": "docker", "password": "` + pw + `"`, "bad.json: is not valid JSON"},
		{"bad.yaml", "a:\n  password: " + pw + "\n b: [", "bad.yaml is not valid YAML: error at line"},
		{"utf8.env", "a=docker://u:" + pw + "\xff@h\n", "utf8.env is not valid UTF-8"},
		{"ids.env", "My_Reg=docker://u:" + pw + "@h\nmy.reg=docker://u:" + pw + "@h\n___=docker://u:p@h\n",
			`refused conn_id "___": no valid connection id`},
		{"ids.env", "My_Reg=docker://u:" + pw + "@h\nmy.reg=docker://u:" + pw + "@h\n",
			`refused conn_id "my.reg": it would get the id "my-reg" of conn_id "My_Reg"`},
		{"invalid.env", "reg=docker://u:" + pw + "@h%3Ax%3Ay\n", `refused connection "reg": connection "reg" is invalid: spec.uri`},
		{"noport.env", "reg=docker://u:" + pw + "@h:x\n", `refused conn_id "reg": the Airflow connection URI port must be a number`},
		{"a.txt", "reg=docker://u:p@h\n", "must end in .json, .yaml, .yml or .env"},
	}
	for _, tt := range tests {
		f := filepath.Join(c.dir, tt.name)
		if err := os.WriteFile(f, []byte(tt.data), 0o600); err != nil {
			t.Fatal(err)
		}
		r := c.run("", "conn", "import", "airflow", f)
		wantError(t, r, 3, tt.want)
		noSecretIn(t, r, pw)
	}
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Errorf("after refused imports, conn get printed %q, want an empty list", out)
	}
	s.stop()
}
