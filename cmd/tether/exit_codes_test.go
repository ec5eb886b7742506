package main_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tether-ml/tether/internal/conntype"
)

// TestExitCodes checks the documented exit code of each kind of failure,
// with the message on stderr and nothing on stdout.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	git := writeFile(t, c.dir, "git.yaml", odahuGitYAML)
	closed := "http://" + closedPort(t)
	tests := []struct {
		name string
		cli  *cli
		args []string
		code int
		want string
	}{
		{"no token anywhere", c.with("TETHER_TOKEN_PATH", ""), []string{"conn", "get"}, 6,
			"no token: use --token, TETHER_TOKEN, TETHER_TOKEN_PATH or tether login --oidc"},
		{"wrong TETHER_TOKEN", c.with("TETHER_TOKEN", "tether_not-the-right-token"), []string{"conn", "get"}, 6,
			"invalid or expired token"},
		{"wrong --token", c, []string{"conn", "get", "--token", "tether_not-the-right-token"}, 6,
			"invalid or expired token"},
		{"missing token file", c.with("TETHER_TOKEN_PATH", c.dir+"/nope.token"), []string{"conn", "get"}, 6,
			"token file " + c.dir + "/nope.token does not exist"},
		{"unreachable server", c.with("TETHER_URL", closed), []string{"conn", "get"}, 7,
			"cannot reach the tether server at " + closed},
		{"unreachable --url", c, []string{"conn", "get", "--url", closed}, 7,
			"cannot reach the tether server at " + closed},
		{"unknown flag", c, []string{"conn", "get", "--bogus"}, 2, "unknown flag: --bogus"},
		{"unknown command", c, []string{"conn", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown output format", c, []string{"conn", "get", "-o", "xml"}, 2, `unknown output format "xml"`},
		{"secret value on the command line", c, []string{"conn", "create", "-f", git, "--set-secret", "keySecret=literal"}, 2,
			"secret values are never given on the command line"},
		{"not found", c, []string{"conn", "get", "--id", "nope"}, 4, `connection "nope" is not found in namespace "default"`},
		{"unknown type", c, []string{"conn", "get", "--type", "gopher"}, 3, `unknown connection type "gopher"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.cli.run("", tt.args...), tt.code, tt.want)
		})
	}
	// --url wins over a wrong TETHER_URL.
	if out := c.with("TETHER_URL", closed).ok("conn", "get", "--url", s.URL, "-o", "json"); out != "[]\n" {
		t.Errorf("--url over TETHER_URL: %q", out)
	}
	s.stop()
}

// TestHelpDocumentsExitCodes checks that "tether --help" lists every exit
// code the CLI uses.
func TestHelpDocumentsExitCodes(t *testing.T) {
	t.Parallel()
	out := newCLI(t, nil).ok("--help")
	if !strings.Contains(out, "Exit codes:\n") {
		t.Fatalf("tether --help has no \"Exit codes:\" section:\n%s", out)
	}
	for code, meaning := range []string{"success", "internal", "usage", "invalid", "not found", "conflict",
		"authentication", "unreachable", "rate limited"} {
		re := regexp.MustCompile(fmt.Sprintf(`(?m)^  %d  .*%s`, code, meaning))
		if !re.MatchString(out) {
			t.Errorf("tether --help does not document exit code %d (%s):\n%s", code, meaning, out)
		}
	}
	for _, v := range []string{"TETHER_URL", "TETHER_TOKEN", "TETHER_TOKEN_PATH", "./tether-data/admin.token"} {
		if !strings.Contains(out, v) {
			t.Errorf("tether --help does not mention %s", v)
		}
	}
}

// TestCompletion checks that shell completion scripts are printed.
func TestCompletion(t *testing.T) {
	t.Parallel()
	c := newCLI(t, nil)
	for shell, want := range map[string]string{
		"bash": "# bash completion V2 for tether",
		"zsh":  "#compdef tether",
		"fish": "# fish completion for tether",
	} {
		out := c.ok("completion", shell)
		if !strings.HasPrefix(out, want) || !strings.Contains(out, "__tether") && !strings.Contains(out, "_tether") {
			t.Errorf("tether completion %s printed %.200q, want a script starting %q", shell, out, want)
		}
	}
	// Completion of --type lists the registered types, without a server.
	r := c.run("", "__complete", "conn", "get", "--type", "")
	wantExit(t, r, 0)
	out := r.Stdout
	for _, ct := range conntype.New().Types() {
		if typ := ct.Name + "\t"; !strings.Contains(out, "\n"+typ) && !strings.HasPrefix(out, typ) {
			t.Errorf("completion of --type lacks %q:\n%s", typ, out)
		}
	}
	// Completion of --as lists the file formats the types declare.
	r = c.run("", "__complete", "conn", "render", "--as", "")
	wantExit(t, r, 0)
	for _, ct := range conntype.New().Types() {
		for _, ff := range ct.Formats {
			if !strings.Contains("\n"+r.Stdout, "\n"+ff.Name+"\n") {
				t.Errorf("completion of --as lacks %q:\n%s", ff.Name, r.Stdout)
			}
		}
	}
}
