package conntype_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// render validates c and renders it into /run/conn.
func render(t *testing.T, c *tether.Connection) *tether.Rendering {
	t.Helper()
	reg := conntype.New()
	if err := reg.Validate(c); err != nil {
		t.Fatal(err)
	}
	r, err := reg.Type(c.Spec.Type).Render(c, "/run/conn")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEveryTypeRenders(t *testing.T) {
	for _, typ := range conntype.New().Types() {
		if typ.Render == nil {
			t.Errorf("type %s has no renderer", typ.Name)
		}
	}
}

// TestFileEnvMarksFileReferences checks that every type marks exactly the
// variables that refer to its files (a path, or a command using one, as
// GIT_SSH_COMMAND) and that ValueEnv keeps the others.
func TestFileEnvMarksFileReferences(t *testing.T) {
	ca := newTestCA(t)
	for _, typ := range conntype.New().Types() {
		c := validConn(t, typ.Name)
		if typ.Parameter("caBundle") != nil {
			c.Spec.Parameters = tether.Params{"caBundle": b64(ca.certPEM)}
		}
		r := render(t, c)
		values := r.ValueEnv()
		for name, v := range r.Env {
			marked := slices.Contains(r.FileEnv, name)
			if refers := strings.Contains(v, "/run/conn"); refers != marked {
				t.Errorf("%s: %s=%q refers to the files: %v, marked in FileEnv: %v", typ.Name, name, v, refers, marked)
			}
			if _, kept := values[name]; kept == marked {
				t.Errorf("%s: ValueEnv kept %s: %v", typ.Name, name, kept)
			}
		}
		for _, name := range r.FileEnv {
			if _, ok := r.Env[name]; !ok {
				t.Errorf("%s: FileEnv names %s, which Env does not set", typ.Name, name)
			}
		}
	}
}

func TestRenderS3(t *testing.T) {
	c := validConn(t, "s3")
	c.Spec.Parameters = tether.Params{"endpoint": "http://127.0.0.1:9000", "forcePathStyle": "true",
		"signatureVersion": "s3v4", "sessionToken": b64("SESSION")}
	r := render(t, c)
	want := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG",
		"AWS_SESSION_TOKEN": "SESSION", "AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1",
		"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "S3_ENDPOINT": "http://127.0.0.1:9000",
		"S3_FORCE_PATH_STYLE": "true", "S3_SIGNATURE_VERSION": "s3v4",
		"AWS_SHARED_CREDENTIALS_FILE": "/run/conn/credentials", "AWS_CONFIG_FILE": "/run/conn/config",
	}
	if d := cmp.Diff(want, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	wantFiles := map[string]string{
		"credentials": "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\naws_session_token = SESSION\n",
		"config":      "[default]\nregion = eu-central-1\nendpoint_url = http://127.0.0.1:9000\ns3 =\n    addressing_style = path\n    signature_version = s3v4\n",
	}
	if d := cmp.Diff(wantFiles, files(r)); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}

// TestRenderS3CABundle checks that a CA bundle reaches the SDKs both ways:
// AWS_CA_BUNDLE for the variables, ca_bundle for the config file.
func TestRenderS3CABundle(t *testing.T) {
	ca := newTestCA(t)
	c := validConn(t, "s3")
	c.Spec.Parameters = tether.Params{"endpoint": "https://127.0.0.1:9000", "forcePathStyle": "true",
		"caBundle": b64(ca.certPEM)}
	r := render(t, c)
	want := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG",
		"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1",
		"AWS_ENDPOINT_URL_S3": "https://127.0.0.1:9000", "S3_ENDPOINT": "https://127.0.0.1:9000",
		"S3_FORCE_PATH_STYLE": "true", "AWS_CA_BUNDLE": "/run/conn/ca-bundle.pem",
		"AWS_SHARED_CREDENTIALS_FILE": "/run/conn/credentials", "AWS_CONFIG_FILE": "/run/conn/config",
	}
	if d := cmp.Diff(want, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	wantFiles := map[string]string{
		"credentials": "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n",
		"config": "[default]\nregion = eu-central-1\nendpoint_url = https://127.0.0.1:9000\n" +
			"ca_bundle = /run/conn/ca-bundle.pem\ns3 =\n    addressing_style = path\n",
		"ca-bundle.pem": ca.certPEM,
	}
	if d := cmp.Diff(wantFiles, files(r)); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}

func TestRenderECR(t *testing.T) {
	r := render(t, validConn(t, "ecr"))
	want := map[string]string{"DOCKER_CONFIG": "/run/conn"}
	if d := cmp.Diff(want, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	auth := b64("AWS:ecr-token")
	wantCfg := `{"auths":{"5555555555.dkr.ecr.eu-central-1.amazonaws.com":{"auth":"` + auth + `"}}}`
	if got := strings.Join(strings.Fields(string(r.Files["config.json"])), ""); got != wantCfg {
		t.Errorf("config.json %s, want %s", got, wantCfg)
	}
	if !slices.Contains(r.Derived, auth) {
		t.Error("the login is not among the derived secrets")
	}
}

func TestRenderGCS(t *testing.T) {
	r := render(t, validConn(t, "gcs"))
	want := map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "/run/conn/key.json",
		"GOOGLE_CLOUD_PROJECT": "project_id", "CLOUDSDK_CORE_PROJECT": "project_id"}
	if d := cmp.Diff(want, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	if string(r.Files["key.json"]) != serviceAccountJSON {
		t.Errorf("key file %q", r.Files["key.json"])
	}
}

func TestRenderAzureBlob(t *testing.T) {
	r := render(t, validConn(t, "azureblob"))
	want := map[string]string{
		"AZURE_STORAGE_ACCOUNT": "myaccount", "AZURE_STORAGE_SAS_TOKEN": "sv=2019-02-02&ss=bf&sig=abc%3D",
		"AZURE_STORAGE_BLOB_ENDPOINT": "https://myaccount.blob.core.windows.net/", "AZURE_STORAGE_CONTAINER": "raw-data",
		"AZURE_STORAGE_CONNECTION_STRING": "BlobEndpoint=https://myaccount.blob.core.windows.net/;SharedAccessSignature=sv=2019-02-02&ss=bf&sig=abc%3D",
	}
	if d := cmp.Diff(want, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
}

func TestRenderDocker(t *testing.T) {
	r := render(t, validConn(t, "docker"))
	if r.Env["DOCKER_CONFIG"] != "/run/conn" {
		t.Errorf("DOCKER_CONFIG %q", r.Env["DOCKER_CONFIG"])
	}
	want := "{\n  \"auths\": {\n    \"gcr.io\": {\n      \"auth\": \"" + b64("_json:mypassword") + "\"\n    }\n  }\n}\n"
	if got := string(r.Files["config.json"]); got != want {
		t.Errorf("config.json:\n%s\nwant:\n%s", got, want)
	}
}

// Docker Hub's credentials go under the key docker and its libraries look
// up for it, whichever of Hub's names the uri uses.
func TestRenderDockerHub(t *testing.T) {
	for _, uri := range []string{"docker.io/org", "index.docker.io", "registry-1.docker.io/org/sub"} {
		c := validConn(t, "docker")
		c.Spec.URI = uri
		if got := string(render(t, c).Files["config.json"]); !strings.Contains(got, `"https://index.docker.io/v1/": {`) {
			t.Errorf("%s: config.json:\n%s", uri, got)
		}
	}
}

// TestRenderDockerCABundle checks that a CA bundle goes where Docker looks
// for a registry's CA, under the same host[:port] key as its auths entry.
func TestRenderDockerCABundle(t *testing.T) {
	ca := newTestCA(t)
	c := validConn(t, "docker")
	c.Spec.URI, c.Spec.Username = "127.0.0.1:5000/team", "tether"
	c.Spec.Parameters = tether.Params{"caBundle": b64(ca.certPEM)}
	r := render(t, c)
	if d := cmp.Diff(map[string]string{"DOCKER_CONFIG": "/run/conn"}, r.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	wantFiles := map[string]string{
		"config.json": "{\n  \"auths\": {\n    \"127.0.0.1:5000\": {\n      \"auth\": \"" + b64("tether:mypassword") +
			"\"\n    }\n  }\n}\n",
		"certs.d/127.0.0.1:5000/ca.crt": ca.certPEM,
	}
	if d := cmp.Diff(wantFiles, files(r)); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}

func TestRenderGit(t *testing.T) {
	c := validConn(t, "git")
	r := render(t, c)
	want := "ssh -i '/run/conn/id_key' -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o BatchMode=yes" +
		" -o UserKnownHostsFile='/run/conn/known_hosts' -o GlobalKnownHostsFile=/dev/null"
	if r.Env["GIT_SSH_COMMAND"] != want || r.Env["GIT_REFERENCE"] != "master" {
		t.Errorf("env %v", r.Env)
	}
	if !strings.HasPrefix(string(r.Files["id_key"]), "-----BEGIN OPENSSH PRIVATE KEY-----") {
		t.Errorf("key file does not hold the private key")
	}
	if hosts := string(r.Files["known_hosts"]); !strings.HasPrefix(hosts, "github.com ssh-ed25519 ") {
		t.Errorf("known_hosts %q", hosts)
	}
	// A bare key line gets the uri's host; an ssh:// uri's port is kept.
	k := newSSHKeys(t)
	c.Spec.URI, c.Spec.PublicKey = "ssh://git@git.example:2222/org/repo.git", b64(k.authLine+"\n")
	if hosts := string(render(t, c).Files["known_hosts"]); hosts != "[git.example]:2222 "+k.authLine+"\n" {
		t.Errorf("known_hosts %q", hosts)
	}
	// Without a pinned key, host keys are still checked, against the
	// user's own known_hosts.
	c.Spec.PublicKey = ""
	r = render(t, c)
	if cmd := r.Env["GIT_SSH_COMMAND"]; !strings.Contains(cmd, "StrictHostKeyChecking=yes") || strings.Contains(cmd, "known_hosts") {
		t.Errorf("GIT_SSH_COMMAND %q", cmd)
	}
	if _, ok := r.Files["known_hosts"]; ok {
		t.Errorf("known_hosts written without a pinned key")
	}
}

func files(r *tether.Rendering) map[string]string {
	out := map[string]string{}
	for k, v := range r.Files {
		out[k] = string(v)
	}
	return out
}
