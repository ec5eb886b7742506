package main_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runFixture is a server holding an s3 connection "data" (and the CLI of
// its admin) whose temporary directory is known, to check that tether run
// leaves nothing in it.
type runFixture struct {
	s      *server
	c      *cli
	tmp    string
	secret string
}

func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	s := startServer(t, serverOptions{})
	f := &runFixture{s: s, tmp: t.TempDir(), secret: "wJalr/Xut+nFEMI=" + randomHex(t, 8)}
	f.c = newCLI(t, s).with("TMPDIR", f.tmp)
	f.create(t, map[string]any{"id": "data", "spec": map[string]any{"type": "s3", "uri": "s3://data",
		"region": "eu-central-1", "keyID": b64("AKIADATA"), "keySecret": b64(f.secret)}})
	return f
}

// create posts a connection, failing t unless it is created.
func (f *runFixture) create(t *testing.T, conn map[string]any) {
	t.Helper()
	if status, body := f.s.api("POST", "/api/v1/connection", conn); status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
}

// requireNoFiles fails t if tether run left anything in its TMPDIR.
func (f *runFixture) requireNoFiles(t *testing.T) {
	t.Helper()
	left, err := os.ReadDir(f.tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("tether run left %s behind", filepath.Join(f.tmp, e.Name()))
	}
}

func TestRunDeliversEnvironmentAndFiles(t *testing.T) {
	f := newRunFixture(t)
	out := f.c.ok("run", "-c", "data", "--", "sh", "-c",
		`echo "id=$AWS_ACCESS_KEY_ID prefixed=$DATA_AWS_ACCESS_KEY_ID region=$AWS_REGION"
		 stat -c '%a %n' "$TETHER_RUN_DIR" "$AWS_SHARED_CREDENTIALS_FILE"
		 grep -c aws_secret_access_key "$AWS_SHARED_CREDENTIALS_FILE"`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[0] != "id=AKIADATA prefixed=AKIADATA region=eu-central-1" ||
		!strings.HasPrefix(lines[1], "700 ") || !strings.HasPrefix(lines[2], "600 ") ||
		!strings.HasSuffix(lines[2], "/data/credentials") || lines[3] != "1" {
		t.Errorf("output:\n%s", out)
	}
	f.requireNoFiles(t)
}

func TestRunPassesStdinAndExitCode(t *testing.T) {
	f := newRunFixture(t)
	r := f.c.run("hello from stdin\n", "run", "-c", "data", "--", "sh", "-c", `cat; echo oops >&2; exit 3`)
	wantExit(t, r, 3)
	if r.Stdout != "hello from stdin\n" || r.Stderr != "oops\n" {
		t.Errorf("stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	wantExit(t, f.c.run("", "run", "-c", "data", "--", "no-such-command-xyz"), 127)
	wantError(t, f.c.run("", "run", "-c", "missing", "--", "true"), 4, "missing")
	wantError(t, f.c.run("", "run", "--", "true"), 2, "-c")
	f.requireNoFiles(t)
}

// Flags after the command belong to it, not to tether.
func TestRunLeavesCommandFlagsAlone(t *testing.T) {
	f := newRunFixture(t)
	if out := f.c.ok("run", "-c", "data", "--", "echo", "-n", "--mask", "-c"); out != "--mask -c" {
		t.Errorf("output %q", out)
	}
}

func TestRunMasksSecretsInOutput(t *testing.T) {
	f := newRunFixture(t)
	script := `echo "plain $AWS_SECRET_ACCESS_KEY"
	printf '%s' "$AWS_SECRET_ACCESS_KEY" | base64 -w0; echo
	echo "err $AWS_SECRET_ACCESS_KEY" >&2
	echo "posted $POSTED"
	echo "url $URLFORM"
	echo "safe AKIA"`
	r := f.c.with("POSTED", b64(f.secret)).with("URLFORM", url.QueryEscape(f.secret)).
		run("", "run", "-c", "data", "--mask", "--", "sh", "-c", script)
	wantExit(t, r, 0)
	for _, form := range []string{f.secret, b64(f.secret), base64.RawStdEncoding.EncodeToString([]byte(f.secret)), url.QueryEscape(f.secret), "AKIADATA"} {
		if strings.Contains(r.Stdout+r.Stderr, form) {
			t.Errorf("a form of the secret is visible: %q\nstdout: %s\nstderr: %s", form, r.Stdout, r.Stderr)
		}
	}
	for _, want := range []string{"plain *****\n", "posted *****\n", "url *****\n", "safe AKIA\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	if r.Stderr != "err *****\n" {
		t.Errorf("stderr %q", r.Stderr)
	}
	// Without --mask the command sees and prints its own values.
	if out := f.c.ok("run", "-c", "data", "--", "sh", "-c", `echo "$AWS_SECRET_ACCESS_KEY"`); out != f.secret+"\n" {
		t.Errorf("unmasked output %q", out)
	}
}

func TestRunSeveralConnections(t *testing.T) {
	f := newRunFixture(t)
	f.create(t, map[string]any{"id": "other-data", "spec": map[string]any{"type": "s3", "uri": "s3://other",
		"region": "us-east-1", "keyID": b64("AKIAOTHER"), "keySecret": b64("other-secret")}})
	f.create(t, map[string]any{"id": "hub", "spec": map[string]any{"type": "docker", "uri": "docker.io",
		"username": "alice", "password": b64("pw")}})
	f.create(t, map[string]any{"id": "local", "spec": map[string]any{"type": "docker", "uri": "127.0.0.1:5000",
		"username": "bob", "password": b64("pw2")}})
	out := f.c.ok("run", "-c", "data", "-c", "other-data", "-c", "hub", "-c", "local", "--", "sh", "-c",
		`echo "$AWS_ACCESS_KEY_ID $OTHER_DATA_AWS_ACCESS_KEY_ID $OTHER_DATA_AWS_REGION $AWS_REGION"
		 echo "$DOCKER_CONFIG" | sed "s|$TETHER_RUN_DIR|DIR|"
		 grep -c '"auth"' "$DOCKER_CONFIG/config.json"`)
	if want := "AKIADATA AKIAOTHER us-east-1 eu-central-1\nDIR/docker\n2\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	f.requireNoFiles(t)
}

// SIGTERM and SIGINT sent to tether run reach the command, whose exit
// status tether run returns; the directory is removed all the same. A
// command that a signal ends gives 128+N, as in shells.
func TestRunForwardsSignals(t *testing.T) {
	f := newRunFixture(t)
	for _, tc := range []struct {
		sig    syscall.Signal
		script string
		code   int
	}{
		{syscall.SIGTERM, `trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done`, 42},
		{syscall.SIGINT, `trap 'echo got INT; exit 43' INT; echo ready; while :; do sleep 0.05; done`, 43},
		{syscall.SIGTERM, `echo ready; exec sleep 60`, 128 + 15},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			code, out := f.runUntilReady(t, tc.sig, tc.script)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; output %q", code, tc.code, out)
			}
			f.requireNoFiles(t)
		})
	}
}

// runUntilReady starts tether run of script, waits for its "ready" line,
// sends sig to tether (not to the command) and returns the exit code and
// the rest of the output.
func (f *runFixture) runUntilReady(t *testing.T, sig syscall.Signal, script string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tetherBin, "run", "-c", "data", "--", "sh", "-c", script)
	cmd.Dir, cmd.Env = f.c.dir, processEnv(t.TempDir(), f.c.env)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("no ready line: %q %v", lines.Text(), lines.Err())
	}
	time.Sleep(50 * time.Millisecond) // let sh install its trap and loop
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	return exitCode(t, cmd.Wait()), rest.String()
}
