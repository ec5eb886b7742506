package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importDockerConfig is a docker config.json with Docker Hub under docker's
// own key, a registry with username and password fields, one whose
// credentials a helper keeps (not installed), and an identity token.
func importDockerConfig(t *testing.T, hubPassword, localPassword string, extra map[string]any) string {
	t.Helper()
	auths := map[string]any{
		"https://index.docker.io/v1/": map[string]string{"auth": b64("hubuser:" + hubPassword)},
		"localhost:5000":              map[string]string{"username": "ci", "password": localPassword},
		"registry.internal":           map[string]string{},
		"ghcr.io":                     map[string]string{"identitytoken": "tok-" + localPassword},
	}
	for k, v := range extra {
		auths[k] = v
	}
	b, err := json.Marshal(map[string]any{"auths": auths, "credsStore": "desktop"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noSecretIn fails t if r printed any of the secrets, raw or base64.
func noSecretIn(t *testing.T, r cliResult, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, out := range []string{r.Stdout, r.Stderr} {
			if strings.Contains(out, s) || strings.Contains(out, b64(s)) {
				t.Errorf("tether %s printed a secret:\n%s", strings.Join(r.Args, " "), out)
			}
		}
	}
}

// wantContains fails t unless out holds every fragment.
func wantContains(t *testing.T, what, out string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(out, f) {
			t.Errorf("%s = %q, want it to contain %q", what, out, f)
		}
	}
}

// TestImportDockerConfig imports a docker config.json: a dry run creates
// nothing, the import creates one connection per registry with the
// original secrets, a second import conflicts and creates nothing, and
// --skip-existing creates only what is new.
func TestImportDockerConfig(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	hubPW, localPW := "hub-"+randomHex(t, 12), "local:"+randomHex(t, 12)
	secrets := []string{hubPW, localPW, "hubuser:" + hubPW}
	dockerDir := filepath.Join(c.dir, "docker")
	cfg := writeFile(t, c.dir, "config.json", importDockerConfig(t, hubPW, localPW, nil))

	r := c.run("", "conn", "import", "docker-config", cfg, "--dry-run")
	wantExit(t, r, 0)
	noSecretIn(t, r, secrets...)
	wantContains(t, "dry-run stdout", r.Stdout, "ID", "TYPE", "URI", "DETAILS",
		"docker-io", "docker.io", "username=hubuser password=*****", "localhost-5000", "localhost:5000", "username=ci")
	wantContains(t, "dry-run stderr", r.Stderr, "skipped ghcr.io: it holds only an identity or registry token",
		"skipped registry.internal: its credentials are kept by the credential helper docker-credential-desktop, which is not in PATH")
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Fatalf("after a dry run, conn get printed %q, want an empty list", out)
	}

	r = c.run("", "conn", "import", "docker-config", cfg)
	wantExit(t, r, 0)
	noSecretIn(t, r, secrets...)
	wantContains(t, "import stdout", r.Stdout, "connection \"docker-io\" created\n", "connection \"localhost-5000\" created\n")
	hub, local := c.getOne("docker-io", true), c.getOne("localhost-5000", true)
	if hub.Spec["uri"] != "docker.io" || hub.Spec["username"] != "hubuser" || hub.Spec["password"] != b64(hubPW) {
		t.Errorf("docker-io revealed %v, want docker.io, hubuser and the original password", hub.Spec)
	}
	if local.Spec["uri"] != "localhost:5000" || local.Spec["username"] != "ci" || local.Spec["password"] != b64(localPW) {
		t.Errorf("localhost-5000 revealed %v, want localhost:5000, ci and the original password", local.Spec)
	}

	// The config changes: a new registry, a new Hub password. Read from
	// DOCKER_CONFIG, as docker does.
	newPW := "new-" + randomHex(t, 12)
	if err := os.Mkdir(dockerDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dockerDir, "config.json", importDockerConfig(t, newPW, localPW,
		map[string]any{"new.example.com": map[string]string{"auth": b64("newuser:" + newPW)}}))
	d := c.with("DOCKER_CONFIG", dockerDir)
	r = d.run("", "conn", "import", "docker-config")
	wantExit(t, r, 5)
	noSecretIn(t, r, append(secrets, newPW)...)
	wantContains(t, "conflict stderr", r.Stderr,
		"connections exist already: docker-io, localhost-5000; nothing was created")
	if ids := idsOf(t, c.ok("conn", "get", "-o", "json")); ids != "docker-io,localhost-5000" {
		t.Errorf("after a conflicting import, ids %q, want docker-io,localhost-5000", ids)
	}

	r = d.run("", "conn", "import", "docker-config", "--skip-existing")
	wantExit(t, r, 0)
	wantContains(t, "--skip-existing stdout", r.Stdout, "connection \"docker-io\" exists, left unchanged\n",
		"connection \"localhost-5000\" exists, left unchanged\n", "connection \"new-example-com\" created\n")
	if got := c.getOne("docker-io", true).Spec["password"]; got != b64(hubPW) {
		t.Errorf("--skip-existing changed docker-io's password")
	}
	if got := c.getOne("new-example-com", true).Spec["password"]; got != b64(newPW) {
		t.Errorf("new-example-com's revealed password differs from the original")
	}
	s.stop()
}

// TestImportDockerConfigRefused checks the refusals: bad input exits 3
// naming the file and never quoting it, bad flags exit 2.
func TestImportDockerConfigRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	pw := "pw-" + randomHex(t, 12)
	bad := writeFile(t, c.dir, "bad.json", `{"auths": {"docker.io": {"auth": "`+b64("u:"+pw)+`" "x"}}}`)
	r := c.run("", "conn", "import", "docker-config", bad)
	wantError(t, r, 3, bad+": not valid JSON: syntax error at line 1")
	noSecretIn(t, r, pw)

	echoed := writeFile(t, c.dir, "echoed.json", `{"auths": {"docker.io": {"username": "u", "password": "`+pw+`\n"}}}`)
	r = c.run("", "conn", "import", "docker-config", echoed)
	wantError(t, r, 3, `connection "docker-io" is invalid: spec.password`)
	noSecretIn(t, r, pw)

	empty := writeFile(t, c.dir, "empty.json", `{"auths": {"ghcr.io": {"identitytoken": "x"}}}`)
	wantError(t, c.run("", "conn", "import", "docker-config", empty), 3, "skipped ghcr.io", "nothing to import")
	wantError(t, c.run("", "conn", "import", "docker-config", filepath.Join(c.dir, "none.json")), 3, "cannot read")
	wantError(t, c.run("", "conn", "import", "docker-config", bad, "--id-prefix", "Team_"), 2, "id prefix")
	wantError(t, c.run("", "conn", "import", "docker-config", bad, bad), 2, "arg(s)")
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Errorf("after refused imports, conn get printed %q, want an empty list", out)
	}
	s.stop()
}

const (
	importAWSKeyID  = "AKIAIMPORTEXAMPLE001"
	importAWSSecret = "importSecretKey/EXAMPLE+0123456789abcdef"
	importAWSToken  = "FwoGZXIvYXdzEImportSessionTOKEN0123456789"
)

// importAWSFiles writes AWS shared files with two profiles and returns a
// cli that reads them.
func importAWSFiles(t *testing.T, c *cli) *cli {
	t.Helper()
	creds := writeFile(t, c.dir, "credentials", `[default]
aws_access_key_id = AKIADEFAULTEXAMPLE01
aws_secret_access_key = defaultSecret/EXAMPLE

[minio]
aws_access_key_id = `+importAWSKeyID+`
aws_secret_access_key = `+importAWSSecret+`
aws_session_token = `+importAWSToken+`
`)
	config := writeFile(t, c.dir, "config", `[default]
region = eu-central-1

[profile minio]
region = us-east-1
endpoint_url = http://minio.local:9000
s3 =
    addressing_style = path
`)
	return c.with("AWS_SHARED_CREDENTIALS_FILE", creds).with("AWS_CONFIG_FILE", config)
}

// TestImportAWS imports a profile of the AWS shared files and Kaptain's
// environment variables as s3 connections.
func TestImportAWS(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := importAWSFiles(t, newCLI(t, s))
	secrets := []string{importAWSKeyID, importAWSSecret, importAWSToken}
	m := c.with("AWS_PROFILE", "minio")

	r := m.run("", "conn", "import", "aws", "--uri", "s3://models/v1", "--dry-run")
	wantExit(t, r, 0)
	noSecretIn(t, r, secrets...)
	wantContains(t, "dry-run stdout", r.Stdout, "aws-minio", "s3://models/v1", "region=us-east-1",
		"keyID=***** keySecret=*****", "endpoint=http://minio.local:9000", "forcePathStyle=true", "sessionToken=*****")
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Fatalf("after a dry run, conn get printed %q, want an empty list", out)
	}

	r = m.run("", "conn", "import", "aws", "--uri", "s3://models/v1")
	wantExit(t, r, 0)
	noSecretIn(t, r, secrets...)
	wantContains(t, "import stdout", r.Stdout, "connection \"aws-minio\" created\n")
	spec := c.getOne("aws-minio", true).Spec
	params, _ := spec["parameters"].(map[string]any)
	if spec["keyID"] != b64(importAWSKeyID) || spec["keySecret"] != b64(importAWSSecret) ||
		params["sessionToken"] != b64(importAWSToken) || params["forcePathStyle"] != "true" || spec["region"] != "us-east-1" {
		t.Errorf("aws-minio revealed %v, want the profile's keys, token, region and path style", spec)
	}

	r = c.run("", "conn", "import", "aws", "--profile", "minio", "--uri", "s3://models/v1")
	wantExit(t, r, 5)
	wantContains(t, "conflict stderr", r.Stderr, "connections exist already: aws-minio")
	wantExit(t, c.run("", "conn", "import", "aws", "--profile", "minio", "--uri", "s3://models/v1", "--skip-existing"), 0)

	env := c.with("AWS_ACCESS_KEY_ID", importAWSKeyID+"\n").with("AWS_SECRET_ACCESS_KEY", importAWSSecret).
		with("AWS_REGION", "us-east-1").with("S3_ENDPOINT", "http://minio:9000").
		with("S3_FORCE_PATH_STYLE", "true").with("S3_SIGNATURE_VERSION", "s3v4")
	r = env.run("", "conn", "import", "aws", "--from-env", "--id", "training-data", "--uri", "s3://raw-data/model/input", "-n", "team-a")
	wantExit(t, r, 4)
	wantContains(t, "unknown namespace stderr", r.Stderr, "not found")
	c.ok("ns", "create", "team-a")
	r = env.run("", "conn", "import", "aws", "--from-env", "--id", "training-data", "--uri", "s3://raw-data/model/input", "-n", "team-a")
	wantExit(t, r, 0)
	noSecretIn(t, r, secrets...)
	got := decodeList(t, c.ok("conn", "get", "-n", "team-a", "--id", "training-data", "--decrypted", "-o", "json"))[0].Spec
	params, _ = got["parameters"].(map[string]any)
	if got["keyID"] != b64(importAWSKeyID) || got["keySecret"] != b64(importAWSSecret) ||
		params["endpoint"] != "http://minio:9000" || params["signatureVersion"] != "s3v4" {
		t.Errorf("training-data revealed %v, want the environment's keys and Kaptain's S3 options", got)
	}
	s.stop()
}

// TestImportAWSRefused checks that missing or conflicting input is refused
// before anything is created, naming what is missing and where it looked.
func TestImportAWSRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := importAWSFiles(t, newCLI(t, s))
	tests := []struct {
		name string
		c    *cli
		args []string
		code int
		want []string
	}{
		{"no uri", c, nil, 2, []string{`required flag(s) "uri" not set`}},
		{"missing profile", c, []string{"--profile", "prod", "--uri", "s3://bucket"}, 3,
			[]string{`AWS profile "prod" not found in`, filepath.Join(c.dir, "credentials"), filepath.Join(c.dir, "config")}},
		{"profile and env", c, []string{"--profile", "minio", "--from-env", "--uri", "s3://bucket"}, 2, []string{"not both"}},
		{"env without id", c, []string{"--from-env", "--uri", "s3://bucket"}, 2, []string{"--from-env needs --id"}},
		{"no keys in env", c.with("AWS_SECRET_ACCESS_KEY", importAWSSecret), []string{"--from-env", "--id", "x", "--uri", "s3://bucket"}, 3,
			[]string{"AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) not set"}},
		{"no region", c.with("AWS_ACCESS_KEY_ID", importAWSKeyID).with("AWS_SECRET_ACCESS_KEY", importAWSSecret),
			[]string{"--from-env", "--id", "x", "--uri", "s3://bucket"}, 3, []string{"no region", "give --region"}},
		{"bad uri", c, []string{"--uri", "https://bucket"}, 3, []string{`connection "aws-default" is invalid: spec.uri`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.run("", append([]string{"conn", "import", "aws"}, tt.args...)...)
			wantError(t, r, tt.code, tt.want...)
			noSecretIn(t, r, importAWSKeyID, importAWSSecret, importAWSToken)
		})
	}
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Errorf("after refused imports, conn get printed %q, want an empty list", out)
	}
	s.stop()
}
