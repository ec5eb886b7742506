package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBackupFromSQLiteRestoreIntoPostgres is the path from the embedded
// store to PostgreSQL: back up a SQLite server with the CLI, restore into a
// server on PostgreSQL that has the same key file, and read the same
// secrets back. A server with another key file refuses the backup and
// writes nothing.
func TestBackupFromSQLiteRestoreIntoPostgres(t *testing.T) {
	t.Parallel()
	src := startServer(t, serverOptions{})
	srcCLI := newCLI(t, src)
	manifest := writeFile(t, t.TempDir(), "odahu.yaml", odahuExamplesYAML)
	srcCLI.ok("conn", "create", "-f", manifest)
	srcCLI.ok("keys", "rotate")
	file := filepath.Join(t.TempDir(), "all.bak")
	r := srcCLI.run("", "backup", file)
	wantExit(t, r, 0)
	if !strings.Contains(r.Stderr, "backed up 5 connections") {
		t.Errorf("backup said %q", r.Stderr)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v (mode %v), want mode 0600", err, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	for _, secret := range []string{awsKeySecretB64, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("the backup holds a secret in the clear")
		}
	}

	other := startServer(t, serverOptions{Args: []string{"--db", freshDatabase(t)}})
	wantError(t, newCLI(t, other).run("", "restore", file), 3, "key file")
	if out := newCLI(t, other).ok("conn", "get", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("a refused restore wrote connections: %s", out)
	}

	dst := startServer(t, serverOptions{Args: []string{"--db", freshDatabase(t), "--key-file", filepath.Join(src.DataDir, "tether.key")}})
	dstCLI := newCLI(t, dst)
	if out := dstCLI.ok("restore", file); out != "restored 5 connections\n" {
		t.Errorf("restore printed %q", out)
	}
	for _, id := range []string{"training-data", "training-data-gcs", "training-data-azure", "docker-registry", "docker-registry-ecr"} {
		want, got := srcCLI.getOne(id, true), dstCLI.getOne(id, true)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s after restore (-source +restored):\n%s", id, d)
		}
	}
	wantError(t, dstCLI.run("", "restore", file), 5, "already holds connections")
}

// TestMigrateCommands: status and up on a fresh PostgreSQL database, and a
// server refusing a schema newer than it knows.
func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	db := freshDatabase(t)
	c := newCLI(t, nil)
	status := c.ok("migrate", "status", "--db", db)
	if !strings.Contains(status, "current: 0\n") || !strings.Contains(status, "pending") {
		t.Errorf("status of a fresh database:\n%s", status)
	}
	if out := c.ok("migrate", "up", "--db", db); !strings.HasPrefix(out, "applied migrations [1 ") {
		t.Errorf("up printed %q", out)
	}
	if out := c.ok("migrate", "up", "--db", db); out != "up to date: no migration to apply\n" {
		t.Errorf("second up printed %q", out)
	}
	if status := c.ok("migrate", "status", "--db", db); !strings.Contains(status, "up to date") {
		t.Errorf("status after up:\n%s", status)
	}
	conn := pgConnect(t, db)
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	if status := c.ok("migrate", "status", "--db", db); !strings.Contains(status, "newer than this binary") {
		t.Errorf("status of a newer schema:\n%s", status)
	}
	failed := startServerExpectingFailure(t, serverOptions{Args: []string{"--db", db}})
	if !strings.Contains(failed.Stderr, "database schema version 99 is newer than this tether binary supports") {
		t.Errorf("server on a newer schema said:\n%s", failed.Stderr)
	}
}

// An SQLite data directory has one server: a second one, or "migrate up",
// is refused while it runs and says why; "migrate status" works alongside.
func TestSQLiteHasOneServer(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	second := startServerExpectingFailure(t, serverOptions{DataDir: s.DataDir})
	if second.Code != 5 || !strings.Contains(second.Stderr, "in use by another process") {
		t.Errorf("second server: exit %d, stderr:\n%s", second.Code, second.Stderr)
	}
	c := newCLI(t, nil)
	wantError(t, c.run("", "migrate", "up", "--data-dir", s.DataDir), 5, "in use by another process")
	if status := c.ok("migrate", "status", "--data-dir", s.DataDir); !strings.Contains(status, "up to date") {
		t.Errorf("status beside a running server:\n%s", status)
	}
}
