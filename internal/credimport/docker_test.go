package credimport_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/credimport"
)

// Secrets of the docker tests: none may appear in a message.
const (
	hubPassword   = "hub-Pa55word-7f3a"
	gcrPassword   = "gcr-token-91c2e0"
	localPassword = "local:pass-with-colon"
	identityToken = "identity-token-5be1"
)

// imported is the part of a docker connection the tests compare, with the
// password decoded.
type imported struct {
	ID, URI, Username, Password string
}

func summarize(t *testing.T, list []*tether.Connection) []imported {
	t.Helper()
	out := make([]imported, 0, len(list))
	for _, c := range list {
		if c.Spec.Type != "docker" {
			t.Errorf("connection %q has type %q, want docker", c.ID, c.Spec.Type)
		}
		out = append(out, imported{c.ID, c.Spec.URI, c.Spec.Username, unb64(t, c.Spec.Password)})
	}
	return out
}

// dockerConfigJSON is a config.json with the usual kinds of entries.
func dockerConfigJSON() string {
	cfg := map[string]any{
		"auths": map[string]any{
			"https://index.docker.io/v1/": map[string]string{"auth": b64("hubuser:" + hubPassword)},
			"https://gcr.io/v2/":          map[string]string{"auth": b64("_token:" + gcrPassword)},
			"localhost:5000":              map[string]string{"username": "ci", "password": localPassword},
			"quay.io/acme":                map[string]string{"auth": b64("acme+robot:" + hubPassword)},
			"ghcr.io":                     map[string]string{"identitytoken": identityToken},
			"registry.example.com":        map[string]string{},
			"half.example.com":            map[string]string{"username": "nobody"},
		},
		"psFormat": "table {{.ID}}",
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	return string(b)
}

func TestDockerConfig(t *testing.T) {
	t.Parallel()
	res, err := credimport.DockerConfig(strings.NewReader(dockerConfigJSON()), "config.json", credimport.DockerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []imported{
		{"docker-io", "docker.io", "hubuser", hubPassword},
		{"gcr-io", "gcr.io", "_token", gcrPassword},
		{"localhost-5000", "localhost:5000", "ci", localPassword},
		{"quay-io-acme", "quay.io/acme", "acme+robot", hubPassword},
	}
	if diff := cmp.Diff(want, summarize(t, res.Connections)); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
	wantSkipped := []credimport.Skip{
		{Source: "ghcr.io", Reason: "it holds only an identity or registry token, not a username and password"},
		{Source: "half.example.com", Reason: "it has a username but no password"},
		{Source: "registry.example.com", Reason: "it holds no credentials"},
	}
	if diff := cmp.Diff(wantSkipped, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	mustValidate(t, res.Connections)
}

func TestDockerConfigIDPrefix(t *testing.T) {
	t.Parallel()
	res, err := credimport.DockerConfig(strings.NewReader(dockerConfigJSON()), "config.json",
		credimport.DockerOptions{IDPrefix: "team-a-"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range res.Connections {
		ids = append(ids, c.ID)
	}
	want := []string{"team-a-docker-io", "team-a-gcr-io", "team-a-localhost-5000", "team-a-quay-io-acme"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

// Several keys for one registry give one connection: docker's own key wins
// whatever the order, and the others are reported.
func TestDockerConfigSameRegistry(t *testing.T) {
	t.Parallel()
	cfg := `{"auths": {
		"docker.io": {"auth": "` + b64("other:"+gcrPassword) + `"},
		"https://index.docker.io/v1/": {"auth": "` + b64("hubuser:"+hubPassword) + `"},
		"index.docker.io": {"auth": "` + b64("third:"+gcrPassword) + `"},
		"http://localhost:5000": {"auth": "` + b64("old:"+gcrPassword) + `"},
		"localhost:5000": {"auth": "` + b64("ci:"+localPassword) + `"}
	}}`
	res, err := credimport.DockerConfig(strings.NewReader(cfg), "config.json", credimport.DockerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []imported{
		{"docker-io", "docker.io", "hubuser", hubPassword},
		{"localhost-5000", "localhost:5000", "ci", localPassword},
	}
	if diff := cmp.Diff(want, summarize(t, res.Connections)); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
	wantSkipped := []credimport.Skip{
		{Source: "docker.io", Reason: `it would get the id "docker-io" of registry "https://index.docker.io/v1/"`},
		{Source: "http://localhost:5000", Reason: `it would get the id "localhost-5000" of registry "localhost:5000"`},
		{Source: "index.docker.io", Reason: `it would get the id "docker-io" of registry "https://index.docker.io/v1/"`},
	}
	if diff := cmp.Diff(wantSkipped, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

func TestRegistryURI(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://index.docker.io/v1/":      "docker.io",
		"index.docker.io":                  "docker.io",
		"registry-1.docker.io":             "docker.io",
		"docker.io":                        "docker.io",
		"docker.io/library":                "docker.io/library",
		"https://registry.example.com/v2":  "registry.example.com",
		"http://localhost:5000/":           "localhost:5000",
		"Registry.Example.com:8443":        "registry.example.com:8443",
		"quay.io/acme/":                    "quay.io/acme",
		"https://user:pw@host.example/v2/": "host.example",
		"https://":                         "",
		"":                                 "",
	}
	for key, want := range tests {
		if got := credimport.RegistryURI(key); got != want {
			t.Errorf("RegistryURI(%q) = %q, want %q", key, got, want)
		}
	}
}

// A file docker's parser refuses is reported with the file's name and where
// it is wrong, never with its content.
func TestDockerConfigMalformed(t *testing.T) {
	t.Parallel()
	secrets := []string{hubPassword, "hubuser:" + hubPassword}
	tests := []struct {
		name, data string
		want       []string
	}{
		{"syntax error", "{\n  \"auths\": {\n    \"docker.io\": {\"auth\": \"" + b64("hubuser:"+hubPassword) + "\" \"x\"}\n  }\n}",
			[]string{"/etc/cfg/config.json", "not valid JSON", "line 3"}},
		{"truncated", `{"auths": {"docker.io": {"auth": "` + b64("hubuser:"+hubPassword),
			[]string{"/etc/cfg/config.json", "not valid JSON: it ends too soon"}},
		{"auth not base64", `{"auths": {"docker.io": {"auth": "` + hubPassword + `"}}}`,
			[]string{"/etc/cfg/config.json", `auths["docker.io"].auth is not the base64 of username:password`}},
		{"auth without colon", `{"auths": {"a.io": {}, "gcr.io": {"auth": "` + b64(hubPassword) + `"}}}`,
			[]string{`auths["gcr.io"].auth`}},
		{"wrong type", `{"auths": {"docker.io": {"auth": 12345}}}`,
			[]string{"/etc/cfg/config.json", `"auths.auth" must not be a JSON number`}},
		{"not an object", `[1, 2]`, []string{"the top level must not be a JSON array"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credimport.DockerConfig(strings.NewReader(tt.data), "/etc/cfg/config.json", credimport.DockerOptions{})
			wantInvalid(t, err, tt.want, secrets)
			noSecrets(t, err.Error(), []string{"12345"})
		})
	}
}

func TestReadDockerConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "config.json", dockerConfigJSON())
	res, err := credimport.ReadDockerConfig(path, credimport.DockerOptions{})
	if err != nil || len(res.Connections) != 4 {
		t.Fatalf("ReadDockerConfig = %v, %v; want 4 connections", res, err)
	}
	missing := filepath.Join(dir, "nope", "config.json")
	_, err = credimport.ReadDockerConfig(missing, credimport.DockerOptions{})
	wantInvalid(t, err, []string{"cannot read " + missing, "no such file"}, nil)

	empty := writeFile(t, dir, "empty.json", "")
	if res, err := credimport.ReadDockerConfig(empty, credimport.DockerOptions{}); err != nil || len(res.Connections) != 0 {
		t.Errorf("empty file: %v, %v; want no connections and no error", res, err)
	}
}

func TestDockerConfigPath(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	if p, _ := credimport.DockerConfigPath(env(map[string]string{"DOCKER_CONFIG": "/d", "HOME": "/h"})); p != "/d/config.json" {
		t.Errorf("with DOCKER_CONFIG: %q", p)
	}
	if p, _ := credimport.DockerConfigPath(env(map[string]string{"HOME": "/h"})); p != "/h/.docker/config.json" {
		t.Errorf("with HOME: %q", p)
	}
	if _, err := credimport.DockerConfigPath(env(nil)); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("with neither: %v, want EINVALID", err)
	}
}

// helperScript is a docker credential helper speaking the protocol: the
// server URL on stdin, the credentials as JSON on stdout. It knows one
// registry; for any other it fails the way real helpers do, or, for
// "leaky.example", with output that holds a secret.
const helperScript = `#!/bin/sh
server=$(cat)
[ "$1" = get ] || exit 1
case "$server" in
https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hubhelper","Secret":"` + hubPassword + `"}' "$server" ;;
gcr.io) printf '{"ServerURL":"%s","Username":"<token>","Secret":"` + identityToken + `"}' "$server" ;;
leaky.example) echo "cannot unlock ` + gcrPassword + `"; exit 1 ;;
*) echo "credentials not found in native keychain"; exit 1 ;;
esac
`

// Credential helpers are run through docker's client of their protocol,
// and only when allowed; their failures are reported without their output.
// Not parallel: it sets PATH, which the helper is looked up in.
func TestDockerConfigCredentialHelpers(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-tethertest"), []byte(helperScript), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cfg := `{
		"auths": {
			"https://index.docker.io/v1/": {},
			"leaky.example": {},
			"unknown.example": {},
			"inline.example": {"auth": "` + b64("inline:"+localPassword) + `"}
		},
		"credsStore": "tethertest",
		"credHelpers": {"gcr.io": "tethertest", "private.example": "absent", "odd.example": "../evil"}
	}`
	res, err := credimport.DockerConfig(strings.NewReader(cfg), "config.json", credimport.DockerOptions{CredentialHelpers: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []imported{
		{"docker-io", "docker.io", "hubhelper", hubPassword},
		{"inline-example", "inline.example", "inline", localPassword},
	}
	if diff := cmp.Diff(want, summarize(t, res.Connections)); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
	wantSkipped := []credimport.Skip{
		{Source: "gcr.io", Reason: "it holds only an identity or registry token, not a username and password"},
		{Source: "leaky.example", Reason: "the credential helper docker-credential-tethertest failed to read its credentials"},
		{Source: "odd.example", Reason: `its credential helper "../evil" is not a valid helper name`},
		{Source: "private.example", Reason: "its credentials are kept by the credential helper docker-credential-absent, which is not in PATH"},
		{Source: "unknown.example", Reason: "the credential helper docker-credential-tethertest holds no credentials for it"},
	}
	if diff := cmp.Diff(wantSkipped, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}

	res, err = credimport.DockerConfig(strings.NewReader(cfg), "config.json", credimport.DockerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:], summarize(t, res.Connections)); diff != "" {
		t.Errorf("without helpers, connections (-want +got):\n%s", diff)
	}
	for _, s := range res.Skipped {
		if !strings.Contains(s.Reason, "which was not run") {
			t.Errorf("without helpers, %s skipped because %q, want the helper not run", s.Source, s.Reason)
		}
	}
}
