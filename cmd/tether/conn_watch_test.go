package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// watchCLI runs "tether conn get --watch" with args in the background and
// returns its output lines and the command, which the test interrupts.
func watchCLI(t *testing.T, s *server, args ...string) (<-chan string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	c := newCLI(t, s)
	cmd := exec.Command(tetherBin, append([]string{"conn", "get", "--watch"}, args...)...)
	cmd.Dir = c.dir
	cmd.Env = processEnv(t.TempDir(), c.env)
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, cmd, stderr
}

// nextLine returns the next line, or fails t after 10 seconds.
func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the watch ended")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no line after 10s")
	}
	return ""
}

// interrupt sends SIGINT to cmd and requires exit code 0.
func interrupt(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer) {
	t.Helper()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Errorf("after Ctrl-C: exit code %d, want 0; stderr %q", exit.ExitCode(), stderr)
		}
	case <-time.After(10 * time.Second):
		t.Error("the watch still runs 10s after Ctrl-C")
	}
}

func TestConnGetWatch(t *testing.T) {
	s := startServer(t, serverOptions{})
	create := func(id, uri string) {
		t.Helper()
		body := map[string]any{"id": id, "spec": map[string]any{"type": "docker", "uri": uri, "username": "u", "password": b64("watch-pw-1")}}
		method, want := "POST", http.StatusCreated
		if uri == "changed.example" {
			method, want = "PUT", http.StatusOK
		}
		if status, b := s.api(method, "/api/v1/connection", body); status != want {
			t.Fatalf("%s %s: %d %s", method, id, status, b)
		}
	}
	create("first", "reg.example")
	lines, cmd, stderr := watchCLI(t, s)
	for _, want := range [][]string{{"EVENT", "ID", "TYPE", "URI"}, {"ADDED", "first", "docker", "reg.example"}} {
		if got := strings.Fields(nextLine(t, lines)); len(got) < len(want) || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
			t.Errorf("line %q, want it to start with %q", got, want)
		}
	}
	create("first", "changed.example")
	if got := strings.Fields(nextLine(t, lines)); len(got) < 4 || got[0] != "MODIFIED" || got[3] != "changed.example" {
		t.Errorf("after an update: %q, want MODIFIED first docker changed.example", got)
	}
	interrupt(t, cmd, stderr)

	jsonLines, jsonCmd, jsonErr := watchCLI(t, s, "-o", "json")
	var e struct {
		Type            string     `json:"type"`
		ResourceVersion string     `json:"resourceVersion"`
		Object          connection `json:"object"`
	}
	line := nextLine(t, jsonLines)
	if err := json.Unmarshal([]byte(line), &e); err != nil || e.Type != "ADDED" || e.Object.ID != "first" || e.ResourceVersion == "" {
		t.Errorf("-o json line %q (%v), want an ADDED event of first with its resource version", line, err)
	}
	if strings.Contains(line, b64("watch-pw-1")) || strings.Contains(line, "watch-pw-1") {
		t.Errorf("the watch printed a secret: %s", line)
	}
	interrupt(t, jsonCmd, jsonErr)

	r := newCLI(t, s).run("", "conn", "get", "--watch", "--decrypted")
	wantError(t, r, 2, "--decrypted")
}
