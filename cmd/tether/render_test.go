package main_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderEnvFormats(t *testing.T) {
	f := newRunFixture(t)
	f.create(t, map[string]any{"id": "quoted", "spec": map[string]any{"type": "s3", "uri": "s3://quoted",
		"region": "eu-central-1", "keyID": b64("AKIAQ"), "keySecret": b64(`it's "$HOME" \n`)}})
	// The shell form evaluates back to the exact values.
	env := f.c.ok("conn", "render", "--id", "quoted", "--as", "env")
	if strings.Contains(env, "AWS_SHARED_CREDENTIALS_FILE") {
		t.Errorf("a variable points at files that were not written:\n%s", env)
	}
	script := env + "\nprintf '%s|%s' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\""
	if out := f.c.ok("run", "-c", "data", "--", "sh", "-c", script); out != `AKIAQ|it's "$HOME" \n` {
		t.Errorf("eval of --as env gives %q", out)
	}
	dotenv := f.c.ok("conn", "render", "--id", "quoted", "--as", "dotenv")
	if !strings.Contains(dotenv, `AWS_SECRET_ACCESS_KEY="it's \"\$HOME\" \\n"`+"\n") {
		t.Errorf("dotenv:\n%s", dotenv)
	}
	var js struct {
		Env   map[string]string
		Files map[string]string
	}
	if err := json.Unmarshal([]byte(f.c.ok("conn", "render", "--id", "quoted", "--as", "json")), &js); err != nil {
		t.Fatal(err)
	}
	if js.Env["AWS_ACCESS_KEY_ID"] != "AKIAQ" || !strings.Contains(js.Files["credentials"], "aws_access_key_id = AKIAQ") {
		t.Errorf("json: %+v", js)
	}
}

// --dir writes the files and prints the variables that point at them.
func TestRenderIntoDirectory(t *testing.T) {
	f := newRunFixture(t)
	dir := filepath.Join(t.TempDir(), "conn")
	env := f.c.ok("conn", "render", "--id", "data", "--as", "env", "--dir", dir)
	want := "export AWS_SHARED_CREDENTIALS_FILE='" + filepath.Join(dir, "credentials") + "'\n"
	if !strings.Contains(env, want) {
		t.Errorf("env lacks %q:\n%s", want, env)
	}
	for name, mode := range map[string]os.FileMode{".": os.ModeDir | 0o700, "credentials": 0o600, "config": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v %v, want mode %v", name, fi.Mode(), err, mode)
		}
	}
}

func TestRenderToolFiles(t *testing.T) {
	f := newRunFixture(t)
	f.create(t, map[string]any{"id": "hub", "spec": map[string]any{"type": "docker", "uri": "docker.io/org",
		"username": "alice", "password": b64("pw-alice")}})
	var cfg struct {
		Auths map[string]struct{ Auth string }
	}
	if err := json.Unmarshal([]byte(f.c.ok("conn", "render", "--id", "hub", "--as", "docker-config")), &cfg); err != nil {
		t.Fatal(err)
	}
	if auth, _ := base64.StdEncoding.DecodeString(cfg.Auths["https://index.docker.io/v1/"].Auth); string(auth) != "alice:pw-alice" {
		t.Errorf("auths %+v", cfg.Auths)
	}
	creds := f.c.ok("conn", "render", "--id", "data", "--as", "aws-credentials")
	if want := "[default]\naws_access_key_id = AKIADATA\naws_secret_access_key = " + f.secret + "\n"; creds != want {
		t.Errorf("credentials %q, want %q", creds, want)
	}
	wantError(t, f.c.run("", "conn", "render", "--id", "hub", "--as", "aws-credentials"), 3, "hub is of type docker", "needs a s3 or aws connection")
	wantError(t, f.c.run("", "conn", "render", "--id", "data", "--as", "yaml"), 2, "--as")
	wantError(t, f.c.run("", "conn", "render", "--id", "data", "--as", "dotenv", "--mount-path", "x", "--dir", "d", "--as", "docker-config"), 2, "--dir")
}

func TestRenderKubernetesObjects(t *testing.T) {
	f := newRunFixture(t)
	secret := f.c.ok("conn", "render", "--id", "data", "--as", "k8s-secret", "--k8s-namespace", "user")
	for _, want := range []string{"kind: Secret", "namespace: user", "type: Opaque", "AWS_SECRET_ACCESS_KEY: " + b64(f.secret)} {
		if !strings.Contains(secret, want) {
			t.Errorf("k8s-secret lacks %q:\n%s", want, secret)
		}
	}
	pd := f.c.ok("conn", "render", "--id", "data", "--as", "poddefault", "--k8s-namespace", "user")
	for _, want := range []string{"kind: Secret", "\n---\n", "kind: PodDefault", "apiVersion: kubeflow.org/v1alpha1",
		"- name: AWS_ACCESS_KEY_ID\n    valueFrom:\n      secretKeyRef:", "- name: TETHER_S3_CONNECTION\n    value: data"} {
		if !strings.Contains(pd, want) {
			t.Errorf("poddefault lacks %q:\n%s", want, pd)
		}
	}
	if strings.Contains(pd, "envFrom") {
		t.Errorf("poddefault uses envFrom, which Kubeflow's webhook merges unchecked:\n%s", pd)
	}
	prefixed := f.c.ok("conn", "render", "--id", "data", "--as", "poddefault", "--prefix", "DATA_")
	if !strings.Contains(prefixed, "- name: DATA_AWS_ACCESS_KEY_ID\n") || !strings.Contains(prefixed, "key: AWS_ACCESS_KEY_ID\n") {
		t.Errorf("--prefix DATA_:\n%s", prefixed)
	}
	if env := f.c.ok("conn", "render", "--id", "data", "--as", "env", "--prefix", "DATA_"); !strings.Contains(env, "export DATA_AWS_ACCESS_KEY_ID=") ||
		strings.Contains(env, "export AWS_") {
		t.Errorf("--as env --prefix DATA_:\n%s", env)
	}
	wantError(t, f.c.run("", "conn", "render", "--id", "data", "--as", "poddefault", "--mount-path", "relative"), 3, "--mount-path")
	wantError(t, f.c.run("", "conn", "render", "--id", "data", "--as", "env", "--prefix", "1X"), 2, "--prefix")
	wantError(t, f.c.run("", "conn", "render", "--id", "data", "--as", "k8s-secret", "--prefix", "X_"), 2, "--prefix")
}
