package main_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestConnHistory edits a connection, then reads its history, one version
// masked and revealed, a diff, and rolls it back: the secret is printed
// only by --decrypted.
func TestConnHistory(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	createOdahuExamples(t, c)
	docker := writeFile(t, c.dir, "docker.yaml", c.ok("conn", "get", "--id", "docker-registry"))
	r := c.run("n3w-password\n", "conn", "edit", "-f", docker, "--set-secret", "password=-")
	wantExit(t, r, 0)

	out := c.ok("conn", "history", "docker-registry")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "VERSION") || !strings.HasPrefix(lines[1], "2 ") ||
		!strings.Contains(lines[1], "spec.password") || !strings.HasPrefix(lines[2], "1 ") {
		t.Errorf("conn history printed:\n%s\nwant versions 2 (spec.password changed) and 1", out)
	}
	diff := c.ok("conn", "diff", "docker-registry", "1", "2")
	if !strings.Contains(diff, "spec.password") || !strings.Contains(diff, "(secret changed)") {
		t.Errorf("conn diff printed:\n%s", diff)
	}
	for name, printed := range map[string]string{"history": out, "diff": diff,
		"get --version": c.ok("conn", "get", "docker-registry", "--version", "1", "-o", "json")} {
		if strings.Contains(printed, serviceAccountB64) || strings.Contains(printed, b64("n3w-password")) {
			t.Errorf("conn %s printed a secret:\n%s", name, printed)
		}
	}
	if got := c.ok("conn", "get", "docker-registry", "--version", "1", "--decrypted", "-o", "jsonpath=[*].spec.password"); !strings.Contains(got, serviceAccountB64) {
		t.Errorf("get --version 1 --decrypted printed %q, want version 1's password", got)
	}
	wantError(t, c.run("", "conn", "rollback", "docker-registry", "--to", "1", "--if-version", "1"), 5, "was changed since version 1")
	if out := c.ok("conn", "rollback", "docker-registry", "--to", "1"); out != "connection docker-registry rolled back to version 1: now at version 3\n" {
		t.Errorf("rollback printed %q", out)
	}
	if got := c.getOne("docker-registry", true); got.Spec["password"] != serviceAccountB64 || got.Status.Version != 3 {
		t.Errorf("after rollback: password of version 1 %v, version %d; want 3", got.Spec["password"] == serviceAccountB64, got.Status.Version)
	}
	wantExit(t, c.run("", "conn", "diff", "docker-registry", "1", "x"), 2)
	wantExit(t, c.run("", "conn", "rollback", "docker-registry"), 2)
	s.stop()
}

// TestHistoryKeepFlag: a server started with --history-keep 2 keeps the
// last two versions of a connection; 0 is refused.
func TestHistoryKeepFlag(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{Args: []string{"--history-keep", "2"}})
	c := newCLI(t, s)
	createOdahuExamples(t, c)
	for i := range 3 {
		docker := writeFile(t, c.dir, "docker.yaml", c.ok("conn", "get", "--id", "docker-registry"))
		wantExit(t, c.run(fmt.Sprintf("password-%d\n", i), "conn", "edit", "-f", docker, "--set-secret", "password=-"), 0)
	}
	out := c.ok("conn", "history", "docker-registry", "-o", "jsonpath=[*].version")
	if strings.Fields(out)[0] != "4" || len(strings.Fields(out)) != 2 {
		t.Errorf("versions kept with --history-keep 2: %q, want 4 3", out)
	}
	s.stop()
	r := c.run("", "server", "--history-keep", "0", "--data-dir", t.TempDir())
	wantError(t, r, 2, "--history-keep must be at least 1")
}
