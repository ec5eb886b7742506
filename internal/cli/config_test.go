package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/conntype"
)

// contextsFile is a configuration file of two contexts; "ctx" is current.
const contextsFile = `current-context: ctx
contexts:
  - name: ctx
    server: https://context.example:8443
    ca-file: /context/ca.pem
    insecure-skip-tls-verify: true
    namespace: context-ns
    token: context-token
  - name: other
    server: https://other.example
    namespace: other-ns
    token-file: /other/token
`

// writeConfig writes a configuration file of mode 0600 and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// resolved is what the client of one call is configured with.
type resolved struct {
	URL, CAFile, Token, TokenPath, Namespace string
	Insecure                                 bool
}

// resolve parses the global flags args with the environment env and
// returns the configuration a client command would use.
func resolve(t *testing.T, env map[string]string, args ...string) (resolved, error) {
	t.Helper()
	a := &app{env: Env{Getenv: func(k string) string { return env[k] }}, types: conntype.New()}
	root := a.rootCommand()
	if err := root.ParseFlags(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	cfg, err := a.clientConfig()
	if err != nil {
		return resolved{}, err
	}
	return resolved{URL: cfg.URL, CAFile: cfg.CAFile, Token: cfg.Token, TokenPath: cfg.TokenPath,
		Namespace: a.ns(), Insecure: cfg.Insecure}, nil
}

// TestClientConfigPrecedence checks each setting's order: flag, then
// environment variable, then the selected context, then the in-pod
// default, then the built-in default.
func TestClientConfigPrecedence(t *testing.T) {
	path := writeConfig(t, contextsFile)
	pod := map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"}
	envVars := map[string]string{"TETHER_URL": "https://env.example", "TETHER_CA_FILE": "/env/ca.pem",
		"TETHER_TOKEN": "env-token", "TETHER_NAMESPACE": "env-ns"}
	context := resolved{URL: "https://context.example:8443", CAFile: "/context/ca.pem", Token: "context-token",
		Namespace: "context-ns", Insecure: true}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want resolved
	}{
		{"no file, no variables: the built-in defaults", nil, nil,
			resolved{Namespace: tether.DefaultNamespace}}, // URL "" is client.DefaultURL
		{"no file, in a pod: the in-pod defaults", pod, nil,
			resolved{URL: client.InClusterURL, TokenPath: client.InClusterTokenPath, Namespace: tether.DefaultNamespace}},
		{"the current context", map[string]string{"TETHER_CONFIG": path}, nil, context},
		{"the context wins over the in-pod defaults", merge(pod, map[string]string{"TETHER_CONFIG": path}), nil, context},
		{"a URL of another server leaves the context's token behind", map[string]string{"TETHER_CONFIG": path, "TETHER_URL": "https://env.example"}, nil,
			resolved{URL: "https://env.example", CAFile: context.CAFile, Namespace: "context-ns", Insecure: true}},
		{"variables win over the context", merge(envVars, map[string]string{"TETHER_CONFIG": path}), nil,
			resolved{URL: "https://env.example", CAFile: "/env/ca.pem", Token: "env-token", Namespace: "env-ns", Insecure: true}},
		{"TETHER_TOKEN_PATH wins over the context's token", map[string]string{"TETHER_CONFIG": path, "TETHER_TOKEN_PATH": "/env/token"}, nil,
			resolved{URL: context.URL, CAFile: context.CAFile, TokenPath: "/env/token", Namespace: "context-ns", Insecure: true}},
		{"flags win over variables and the context", merge(envVars, map[string]string{"TETHER_CONFIG": path}),
			[]string{"--url", "https://flag.example", "--ca-file", "/flag/ca.pem", "--token", "flag-token", "-n", "flag-ns", "--insecure-skip-tls-verify=false"},
			resolved{URL: "https://flag.example", CAFile: "/flag/ca.pem", Token: "flag-token", Namespace: "flag-ns"}},
		{"TETHER_CONTEXT selects a context", map[string]string{"TETHER_CONFIG": path, "TETHER_CONTEXT": "other"}, nil,
			resolved{URL: "https://other.example", TokenPath: "/other/token", Namespace: "other-ns"}},
		{"--context wins over TETHER_CONTEXT", map[string]string{"TETHER_CONFIG": path, "TETHER_CONTEXT": "other"}, []string{"--context", "ctx"}, context},
		{"a context without a credential leaves the in-pod token", merge(pod, map[string]string{"TETHER_CONFIG": writeConfig(t,
			"current-context: c\ncontexts:\n  - name: c\n    server: https://c.example\n")}), nil,
			resolved{URL: "https://c.example", TokenPath: client.InClusterTokenPath, Namespace: tether.DefaultNamespace}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(t, tt.env, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolved configuration (-want +got):\n%s", diff)
			}
		})
	}
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestSelectUnknownContext: naming a context the file does not have, or a
// current-context that is not defined, is ENOTFOUND naming the file.
func TestSelectUnknownContext(t *testing.T) {
	path := writeConfig(t, contextsFile)
	dangling := writeConfig(t, "current-context: gone\ncontexts: []\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"--context", map[string]string{"TETHER_CONFIG": path}, []string{"--context", "nope"}, `context "nope" not found in ` + path},
		{"TETHER_CONTEXT", map[string]string{"TETHER_CONFIG": path, "TETHER_CONTEXT": "nope"}, nil, `context "nope" not found in ` + path},
		{"no file", map[string]string{"TETHER_CONFIG": filepath.Join(t.TempDir(), "none.yaml")}, []string{"--context", "ctx"}, `context "ctx" not found`},
		{"dangling current-context", map[string]string{"TETHER_CONFIG": dangling}, nil, `the current context "gone" is not defined in ` + dangling},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolve(t, tt.env, tt.args...)
			if tether.ErrorCode(err) != tether.ENOTFOUND || !strings.Contains(tether.ErrorMessage(err), tt.want) {
				t.Errorf("error %v (%s); want ENOTFOUND with %q", err, tether.ErrorCode(err), tt.want)
			}
		})
	}
}

// TestLoadConfigMalformed: a file the parser or the checks refuse is
// EINVALID, naming the file and (for the parser) the line, and never
// repeating a value it holds.
func TestLoadConfigMalformed(t *testing.T) {
	const secret = "tether_do-not-print-me"
	tests := []struct {
		name, content string
		want          []string
	}{
		{"unknown field", "contexts:\n  - name: a\n    sever: https://a.example\n", []string{"line 3", "field sever not found"}},
		{"syntax", "contexts:\n  - name: a\n    server: https://a: b\n", []string{"line 3", "mapping values are not allowed"}},
		{"key twice", "contexts:\n  - name: a\n    token: " + secret + "\n    token: x\n", []string{"line 4", "already defined at line 3"}},
		{"wrong type, a token in it", "contexts:\n  - name: a\n    insecure-skip-tls-verify: " + secret + "\n", []string{"line 3", "into bool"}},
		{"no name", "contexts:\n  - server: https://a.example\n", []string{"context 1 has no name"}},
		{"bad name", "contexts:\n  - name: a/b\n", []string{`context "a/b"`, "the name must be"}},
		{"twice", "contexts:\n  - name: a\n  - name: a\n", []string{`context "a" is defined twice`}},
		{"two credentials", "contexts:\n  - name: a\n    token: " + secret + "\n    token-file: /t\n", []string{`context "a"`, "more than one of token"}},
		{"bad server", "contexts:\n  - name: a\n    server: ftp://a\n", []string{`context "a"`, "http or https"}},
		{"a password in the server URL", "contexts:\n  - name: a\n    server: https://ann:" + secret + "@a.example\n", []string{`context "a"`, "no user or password"}},
		{"bad namespace", "contexts:\n  - name: a\n    namespace: \"Team\\e[2J\"\n", []string{`context "a"`, "namespace must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			_, err := loadConfig(func(k string) string { return map[string]string{envConfig: path}[k] })
			msg := tether.ErrorMessage(err)
			if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(msg, path) {
				t.Fatalf("error %v (%s); want EINVALID naming %s", err, tether.ErrorCode(err), path)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(msg, "cli.") {
				t.Errorf("message %q repeats a value or names a Go type", msg)
			}
		})
	}
}

// TestConfigFileMode: the file is written 0600 in a directory of mode
// 0700, and a file other users may read is refused.
func TestConfigFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits")
	}
	path := filepath.Join(t.TempDir(), "new", "config.yaml")
	getenv := func(k string) string { return map[string]string{envConfig: path}[k] }
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.upsert("a").Token = "tok"
	if err := cfg.save(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if info, err := os.Stat(p); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %04o", p, info.Mode().Perm(), err, want)
		}
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = loadConfig(getenv)
	if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(tether.ErrorMessage(err), "chmod 600") {
		t.Errorf("group-readable file: error %v; want EINVALID asking to chmod 600 it", err)
	}
}

// TestConfigPathDefault: without TETHER_CONFIG the file is beside the
// saved OIDC login, so that both live in one directory.
func TestConfigPathDefault(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG layout")
	}
	env := map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}
	getenv := func(k string) string { return env[k] }
	cred, _ := credentialsPath(getenv)
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{env, "/xdg/tether/config.yaml"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.config/tether/config.yaml"},
		{merge(env, map[string]string{envConfig: "/elsewhere.yaml"}), "/elsewhere.yaml"},
	} {
		got, err := configPath(func(k string) string { return tt.env[k] })
		if err != nil || got != tt.want {
			t.Errorf("configPath(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
	if got, _ := configPath(getenv); filepath.Dir(got) != filepath.Dir(cred) {
		t.Errorf("config %s and credentials %s in different directories", got, cred)
	}
}

func TestContextNameOf(t *testing.T) {
	for url, want := range map[string]string{
		"https://tether.example.com":        "tether.example.com",
		"http://127.0.0.1:8080":             "127.0.0.1-8080",
		"https://[::1]:8443/":               "1-8443",
		"https://tether.team-a.svc:443/api": "tether.team-a.svc-443",
	} {
		if got := contextNameOf(url); got != want || !contextName.MatchString(got) {
			t.Errorf("contextNameOf(%q) = %q; want %q, a valid name", url, got, want)
		}
	}
}

func TestReadStdinToken(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"tether_abc\n", "tether_abc", true},
		{"  tether_abc \r\n", "tether_abc", true},
		{"", "", false},
		{" \n", "", false},
		{"two words\n", "", false},
		{"line\nline\n", "", false},
		{strings.Repeat("x", maxStdinToken+1), "", false},
	}
	for _, tt := range tests {
		got, err := readStdinToken(strings.NewReader(tt.in))
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("readStdinToken(%.20q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && (tether.ErrorCode(err) != tether.EINVALID || strings.Contains(err.Error(), "words")) {
			t.Errorf("readStdinToken(%.20q): error %v; want EINVALID not quoting the input", tt.in, err)
		}
	}
}
