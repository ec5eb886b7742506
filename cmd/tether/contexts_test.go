package main_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// startTwoServers starts two servers side by side, each with a namespace
// only it has, by which a test tells which one answered.
func startTwoServers(t *testing.T) (a, b *server) {
	t.Helper()
	a, b = newServer(t, fill(t)), newServer(t, fill(t))
	for _, s := range []*server{a, b} {
		if err := s.launch(); err != nil {
			t.Fatalf("start server: %v", err)
		}
	}
	a.awaitUp()
	b.awaitUp()
	newCLI(t, a).ok("namespace", "create", "only-a")
	newCLI(t, b).ok("namespace", "create", "only-b")
	return a, b
}

func fill(t *testing.T) serverOptions {
	var o serverOptions
	o.fill(t)
	return o
}

// contextCLI is a cli with no server in its environment and the
// configuration file in a directory of its own, not yet created.
func contextCLI(t *testing.T) (c *cli, configPath string) {
	configPath = filepath.Join(t.TempDir(), "tether", "config.yaml")
	return newCLI(t, nil).with("TETHER_CONFIG", configPath), configPath
}

// answeredBy runs "namespace get" with args and tells which server
// answered: "a", "b", or "" when the call failed.
func answeredBy(t *testing.T, c *cli, args ...string) (string, cliResult) {
	t.Helper()
	r := c.run("", append(args, "namespace", "get")...)
	switch {
	case r.Code != 0:
		return "", r
	case strings.Contains(r.Stdout, "only-a") && !strings.Contains(r.Stdout, "only-b"):
		return "a", r
	case strings.Contains(r.Stdout, "only-b") && !strings.Contains(r.Stdout, "only-a"):
		return "b", r
	}
	t.Fatalf("tether %v namespace get: neither server's list: %q", args, r.Stdout)
	return "", r
}

// login runs "tether login --token-stdin" for s as the context name.
func login(t *testing.T, c *cli, s *server, name string) cliResult {
	t.Helper()
	r := c.run(s.token()+"\n", "login", "--url", s.URL, "--token-stdin", "--context", name)
	wantExit(t, r, 0)
	return r
}

// TestContextsTwoServers logs in to two servers as two contexts: the
// current context, --context and TETHER_CONTEXT choose which one answers,
// and no output ever shows a token.
func TestContextsTwoServers(t *testing.T) {
	t.Parallel()
	a, b := startTwoServers(t)
	c, configPath := contextCLI(t)
	outputs := []cliResult{login(t, c, a, "a"), login(t, c, b, "b")}
	steps := []struct {
		name string
		c    *cli
		args []string
		want string
	}{
		{"the last login is current", c, nil, "b"},
		{"--context for one call", c, []string{"--context", "a"}, "a"},
		{"TETHER_CONTEXT for one call", c.with("TETHER_CONTEXT", "a"), nil, "a"},
		{"use-context a", c, []string{"config", "use-context", "a"}, ""},
		{"a is current", c, nil, "a"},
		{"--context b", c, []string{"--context", "b"}, "b"},
		{"--context wins over TETHER_CONTEXT", c.with("TETHER_CONTEXT", "a"), []string{"--context", "b"}, "b"},
	}
	for _, st := range steps {
		if st.want == "" {
			r := st.c.run("", st.args...)
			wantExit(t, r, 0)
			outputs = append(outputs, r)
			continue
		}
		got, r := answeredBy(t, st.c, st.args...)
		outputs = append(outputs, r)
		if got != st.want {
			t.Errorf("%s: answered by %q (exit %d, %s); want %q", st.name, got, r.Code, r.Stderr, st.want)
		}
	}
	r := c.run("", "config", "get-contexts")
	wantExit(t, r, 0)
	outputs = append(outputs, r, c.run("", "config", "current-context"))
	for _, want := range []string{"CURRENT  NAME  SERVER", "*        a     " + a.URL, "b     " + b.URL, "token"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("get-contexts lacks %q:\n%s", want, r.Stdout)
		}
	}
	if got := outputs[len(outputs)-1].Stdout; got != "a\n" {
		t.Errorf("current-context printed %q, want a", got)
	}
	for _, r := range outputs {
		for _, tok := range []string{a.token(), b.token()} {
			if strings.Contains(r.Stdout+r.Stderr, tok) {
				t.Errorf("tether %v printed a token", r.Args)
			}
		}
	}
	wantPrivate(t, configPath)
}

// wantPrivate requires the configuration file to be of mode 0600 in a
// directory of mode 0700.
func wantPrivate(t *testing.T, configPath string) {
	t.Helper()
	for path, want := range map[string]fs.FileMode{configPath: 0o600, filepath.Dir(configPath): 0o700} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want mode %04o", path, info, err, want)
		}
	}
}

// TestContextPrecedence: with context a current, flags win over
// variables, which win over the context, setting by setting.
func TestContextPrecedence(t *testing.T) {
	t.Parallel()
	a, b := startTwoServers(t)
	c, _ := contextCLI(t)
	login(t, c, a, "a")
	login(t, c, b, "b")
	wantExit(t, c.run("", "config", "use-context", "a"), 0)
	envB := c.with("TETHER_URL", b.URL).with("TETHER_TOKEN_PATH", b.TokenFile)
	tests := []struct {
		name string
		c    *cli
		args []string
		want string // "" means refused: exit 6
	}{
		{"the context alone", c, nil, "a"},
		{"variables win over the context", envB, nil, "b"},
		{"variables win over --context", c.with("TETHER_URL", a.URL).with("TETHER_TOKEN_PATH", a.TokenFile), []string{"--context", "b"}, "a"},
		{"the --url flag wins over TETHER_URL", envB.with("TETHER_TOKEN_PATH", a.TokenFile), []string{"--url", a.URL}, "a"},
		{"TETHER_URL alone: the context's token stays with its server, and b gets none", c.with("TETHER_URL", b.URL), nil, ""},
		{"--url naming the context's own server keeps its token", c, []string{"--url", a.URL}, "a"},
		{"TETHER_TOKEN_PATH alone: a refuses b's token", c.with("TETHER_TOKEN_PATH", b.TokenFile), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := answeredBy(t, tt.c, tt.args...)
			if got != tt.want || (tt.want == "" && r.Code != 6) {
				t.Errorf("answered by %q (exit %d, %s); want %q", got, r.Code, r.Stderr, tt.want)
			}
		})
	}
}

// TestLoginTokenStdinRefusesBadToken: a token the server refuses, an empty
// standard input, an unreachable server, or a token in argv save nothing.
func TestLoginTokenStdinRefusesBadToken(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c, configPath := contextCLI(t)
	const bad = "tether_not-a-token-this-server-issued"
	attempts := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"bad token", bad + "\n", []string{"login", "--url", s.URL, "--token-stdin"}, 6, "did not accept the token, which was not saved"},
		{"empty stdin", "", []string{"login", "--url", s.URL, "--token-stdin"}, 3, "no token on standard input"},
		{"no server", s.token(), []string{"login", "--url", "http://" + closedPort(t), "--token-stdin"}, 7, "which was not saved"},
		{"token in argv", "", []string{"config", "set-context", "x", "--url", s.URL, "--token", bad}, 2, "never taken from the command line"},
		{"no URL", s.token(), []string{"login", "--token-stdin"}, 2, "needs --url"},
	}
	check := func(before []byte) {
		for _, at := range attempts {
			r := c.run(at.stdin, at.args...)
			wantError(t, r, at.code, at.want)
			if strings.Contains(r.Stderr, bad) {
				t.Errorf("%s: the error repeats the token: %s", at.name, r.Stderr)
			}
			after, err := os.ReadFile(configPath)
			if before == nil && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %s was created (%v)", at.name, configPath, err)
			}
			if before != nil && string(after) != string(before) {
				t.Errorf("%s: %s changed", at.name, configPath)
			}
		}
	}
	check(nil)
	r := c.run(s.token(), "login", "--url", s.URL, "--token-stdin")
	wantExit(t, r, 0)
	if !strings.Contains(r.Stderr, `context "127.0.0.1-`) {
		t.Errorf("login without --context: %s; want a context named after the host and port", r.Stderr)
	}
	before, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	wantPrivate(t, configPath)
	check(before)
	wantExit(t, c.run("", "namespace", "get"), 0) // the saved context still works
}

// TestDeleteCurrentContext: deleting the current context leaves none
// current, and its token is no longer sent.
func TestDeleteCurrentContext(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c, _ := contextCLI(t)
	login(t, c, s, "only")
	wantExit(t, c.run("", "config", "set-context", "spare", "--url", s.URL, "-n", "team-a"), 0)
	r := c.run("", "config", "delete-context", "only")
	wantExit(t, r, 0)
	if !strings.Contains(r.Stderr, "It was the current context") {
		t.Errorf("delete-context of the current one: %q; want it said", r.Stderr)
	}
	wantError(t, c.run("", "config", "current-context"), 4, "no current context in")
	wantError(t, c.run("", "config", "use-context", "only"), 4, `context "only" not found`)
	wantError(t, c.with("TETHER_URL", s.URL).run("", "namespace", "get"), 6, "no token")
	list := c.ok("config", "get-contexts")
	if strings.Contains(list, "only") || !strings.Contains(list, "spare") || strings.Contains(list, "*") {
		t.Errorf("get-contexts after deleting the current context:\n%s", list)
	}
}

// TestMalformedConfigFile: a configuration file that cannot be read as one
// fails every client command with exit code 3, naming the file and the
// line (or the mode to fix).
func TestMalformedConfigFile(t *testing.T) {
	t.Parallel()
	c, configPath := contextCLI(t)
	c = c.with("TETHER_URL", "http://"+closedPort(t))
	tests := []struct {
		name, content string
		mode          fs.FileMode
		want          string
	}{
		{"typo", "current-context: a\ncontexts:\n  - name: a\n    sever: http://x\n", 0o600, "line 4: field sever not found"},
		{"syntax", "contexts:\n  - name: a\n    server: http://x: y\n", 0o600, "line 3: mapping values are not allowed"},
		{"readable by others", "contexts: []\n", 0o644, "is readable by other users (mode 0644); chmod 600 it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.MkdirAll(filepath.Dir(configPath), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(configPath, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(configPath, tt.mode); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"namespace", "get"}, {"config", "get-contexts"}, {"conn", "get", "x"}} {
				wantError(t, c.run("", args...), 3, "client configuration file "+configPath, tt.want)
			}
			// The client's own version needs no configuration.
			wantExit(t, c.run("", "version", "--client"), 0)
		})
	}
}

// TestHelpDocumentsContexts: the root help gives the order in which a
// setting is taken, and the help of tether config and the README name
// every subcommand and variable of contexts.
func TestHelpDocumentsContexts(t *testing.T) {
	t.Parallel()
	c := newCLI(t, nil)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct {
		name, text string
		want       []string
	}{
		{"tether --help", c.ok("--help"), []string{"its flag,\nits environment variable, the context, the in-pod default",
			"--context, TETHER_CONTEXT", "TETHER_CONFIG", "tether login --token-stdin"}},
		{"tether config --help", c.ok("config", "--help"), []string{"get-contexts", "use-context", "current-context",
			"set-context", "delete-context", "mode 0600"}},
		{"tether login --help", c.ok("login", "--help"), []string{"--token-stdin", "never from the command line", "--context NAME"}},
		{"README", string(readme), []string{"tether config get-contexts", "use-context NAME", "delete-context NAME",
			"set-context NAME", "login --url URL --token-stdin", "`TETHER_CONTEXT`", "`$TETHER_CONFIG`",
			"its flag, its environment variable,\nthe selected context, the in-pod default"}},
	}
	for _, d := range docs {
		for _, w := range d.want {
			if !strings.Contains(d.text, w) {
				t.Errorf("%s does not mention %q", d.name, w)
			}
		}
	}
}
