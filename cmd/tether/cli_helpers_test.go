package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// cliResult is the outcome of one CLI invocation.
type cliResult struct {
	Args           []string // the command line, for messages
	Stdout, Stderr string
	Code           int
}

// cli runs tether client commands in a controlled working directory and
// environment. Its methods never change it: with* return copies.
type cli struct {
	t   *testing.T
	dir string
	env map[string]string
}

// newCLI returns a cli that talks to s with TETHER_URL and
// TETHER_TOKEN_PATH (the server's token file), from an empty temporary
// working directory, HOME another empty one.
func newCLI(t *testing.T, s *server) *cli {
	c := &cli{t: t, dir: t.TempDir(), env: map[string]string{}}
	if s != nil {
		c.env["TETHER_URL"] = s.URL
		c.env["TETHER_TOKEN_PATH"] = s.TokenFile
	}
	return c
}

// with returns a copy of c with the environment variable set, or removed
// when value is empty.
func (c *cli) with(key, value string) *cli {
	env := make(map[string]string, len(c.env)+1)
	for k, v := range c.env {
		env[k] = v
	}
	if value == "" {
		delete(env, key)
	} else {
		env[key] = value
	}
	return &cli{t: c.t, dir: c.dir, env: env}
}

// in returns a copy of c that runs in dir.
func (c *cli) in(dir string) *cli { return &cli{t: c.t, dir: dir, env: c.env} }

// run runs tether with args and stdin, and returns what it printed and its
// exit code. HOME is a fresh temporary directory.
func (c *cli) run(stdin string, args ...string) cliResult {
	t := c.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tetherBin, args...)
	cmd.Dir = c.dir
	cmd.Env = processEnv(t.TempDir(), c.env)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("tether %s: did not finish within %v", strings.Join(args, " "), cliTimeout)
	}
	return cliResult{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Code: exitCode(t, err)}
}

// ok runs tether with args, requires exit code 0 and an empty stderr, and
// returns stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run("", args...)
	wantExit(c.t, r, 0)
	if r.Stderr != "" {
		c.t.Errorf("tether %s: unexpected stderr %q", strings.Join(args, " "), r.Stderr)
	}
	return r.Stdout
}

// wantExit fails t unless r exited with code.
func wantExit(t *testing.T, r cliResult, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("tether %s: exit code %d, want %d\nstdout: %s\nstderr: %s",
			strings.Join(r.Args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
}

// wantError requires exit code code, nothing on stdout and every wanted
// fragment on stderr.
func wantError(t *testing.T, r cliResult, code int, fragments ...string) {
	t.Helper()
	wantExit(t, r, code)
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.Stdout)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Stderr, f) {
			t.Errorf("stderr = %q, want it to contain %q", r.Stderr, f)
		}
	}
}

// connection is the JSON form of a connection as the CLI and API print it,
// with the spec kept generic so that comparisons see exactly what was sent.
type connection struct {
	Kind   string         `json:"kind"`
	ID     string         `json:"id"`
	Spec   map[string]any `json:"spec"`
	Status struct {
		CreatedAt string `json:"createdAt"`
		UpdatedAt string `json:"updatedAt"`
		Version   int    `json:"version"`
	} `json:"status"`
}

// decodeList decodes a JSON list of connections, failing t otherwise.
func decodeList(t *testing.T, data string) []connection {
	t.Helper()
	var list []connection
	if err := json.Unmarshal([]byte(data), &list); err != nil {
		t.Fatalf("not a JSON list of connections: %v\n%s", err, data)
	}
	return list
}

// getOne runs "tether conn get --id id -o json" (with --decrypted if
// decrypted) and returns the one connection it prints.
func (c *cli) getOne(id string, decrypted bool) connection {
	c.t.Helper()
	args := []string{"conn", "get", "--id", id, "-o", "json"}
	if decrypted {
		args = append(args, "--decrypted")
	}
	list := decodeList(c.t, c.ok(args...))
	if len(list) != 1 || list[0].ID != id {
		c.t.Fatalf("tether %s printed %d connections, want exactly %q", strings.Join(args, " "), len(list), id)
	}
	return list[0]
}
