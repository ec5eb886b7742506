package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBackupFromSQLiteRestoreIntoPostgres is the path from the embedded
// store to PostgreSQL: back up a SQLite server with the CLI, restore into a
// server on PostgreSQL that has the same key file, and find the whole store
// there: namespaces, role bindings (a non-admin keeps exactly its access),
// tokens, connections and the audit log.
func TestBackupFromSQLiteRestoreIntoPostgres(t *testing.T) {
	t.Parallel()
	src := startServer(t, serverOptions{})
	testMove(t, src, func(keyFile string) *server {
		args := []string{"--db", freshDatabase(t)}
		if keyFile != "" {
			args = append(args, "--key-file", keyFile)
		}
		return startServer(t, serverOptions{Args: args})
	})
}

// TestBackupFromPostgresRestoreIntoSQLite is the way back.
func TestBackupFromPostgresRestoreIntoSQLite(t *testing.T) {
	t.Parallel()
	src := startServer(t, serverOptions{Args: []string{"--db", freshDatabase(t)}})
	testMove(t, src, func(keyFile string) *server {
		if keyFile == "" {
			return startServer(t, serverOptions{})
		}
		return startServer(t, serverOptions{Args: []string{"--key-file", keyFile}})
	})
}

// moveFixture fills the source: Odahu's examples in default, one
// connection in each of team-a and team-b, alice with the user role in
// team-a (a token that expires), an audited reveal by her, and a key
// rotation. It returns alice's token.
func moveFixture(t *testing.T, admin *cli) string {
	manifest := writeFile(t, t.TempDir(), "odahu.yaml", odahuExamplesYAML)
	admin.ok("conn", "create", "-f", manifest)
	admin.ok("ns", "create", "team-a")
	admin.ok("ns", "create", "team-b")
	admin.ok("conn", "create", "-f", writeFile(t, t.TempDir(), "a.yaml", odahuDockerYAML("registry")), "-n", "team-a")
	admin.ok("conn", "create", "-f", writeFile(t, t.TempDir(), "b.yaml", odahuDockerYAML("other-registry")), "-n", "team-b")
	r := admin.run("", "token", "create", "--subject", "user:alice", "--ttl", "24h")
	wantExit(t, r, 0)
	token := strings.TrimSpace(r.Stdout)
	admin.ok("rolebinding", "create", "--namespace", "team-a", "--role", "user", "--subject", "user:alice")
	admin.with("TETHER_TOKEN_PATH", "").with("TETHER_TOKEN", token).ok("conn", "get", "-n", "team-a", "--id", "registry", "-d", "--job", "nightly-train")
	admin.ok("keys", "rotate")
	return token
}

// testMove backs src up, checks that a server without src's key file, or
// a damaged backup, writes nothing, then restores into a server with the
// key file and compares the two.
func testMove(t *testing.T, src *server, newServer func(keyFile string) *server) {
	srcCLI := newCLI(t, src)
	aliceToken := moveFixture(t, srcCLI)
	file := filepath.Join(t.TempDir(), "all.bak")
	r := srcCLI.run("", "backup", "--with-audit", file)
	wantExit(t, r, 0)
	if !strings.Contains(r.Stderr, "backed up 7 connections") {
		t.Errorf("backup said %q", r.Stderr)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, want mode 0600", err)
	}
	data, _ := os.ReadFile(file)
	for _, secret := range []string{awsKeySecretB64, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", aliceToken} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("the backup holds a secret or token in the clear")
		}
	}

	other := newCLI(t, newServer(""))
	wantError(t, other.run("", "restore", file), 3, "key file")
	wantNothingRestored(t, other)

	dst := newServer(filepath.Join(src.DataDir, "tether.key"))
	dstCLI := newCLI(t, dst)
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	damaged := strings.Join(lines[:len(lines)-2], "") + strings.Replace(lines[len(lines)-2], `"outcome":"success"`, `"outcome":"failed"`, 1) + lines[len(lines)-1] + "\n"
	if damaged == string(data) {
		t.Fatal("the last audit event of the backup was not altered")
	}
	wantError(t, dstCLI.run("", "restore", writeFile(t, t.TempDir(), "damaged.bak", damaged)), 3, "checksum")
	wantNothingRestored(t, dstCLI)

	out := dstCLI.ok("restore", file)
	if !strings.HasPrefix(out, "restored 7 connections, 3 namespaces, 1 role binding, 2 tokens, ") || !strings.Contains(out, "audit events") {
		t.Errorf("restore printed %q", out)
	}
	compareStores(t, srcCLI, dstCLI)
	compareAccess(t, src, dst, aliceToken)
	wantError(t, dstCLI.run("", "restore", file), 5, "already holds connections")
}

// wantNothingRestored fails t unless c's server holds no connection, and
// only the namespace default.
func wantNothingRestored(t *testing.T, c *cli) {
	t.Helper()
	if out := c.ok("conn", "get", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("a refused restore wrote connections: %s", out)
	}
	if out := c.ok("ns", "get"); strings.Contains(out, "team-a") {
		t.Errorf("a refused restore wrote namespaces:\n%s", out)
	}
	if out := c.ok("rolebinding", "get"); strings.Contains(out, "user:alice") {
		t.Errorf("a refused restore wrote role bindings:\n%s", out)
	}
}

// compareStores: namespaces, role bindings, tokens, connections (read
// decrypted) and the audit trail of alice's reveal are the same.
func compareStores(t *testing.T, src, dst *cli) {
	for _, args := range [][]string{{"ns", "get"}, {"rolebinding", "get"}} {
		if want, got := src.ok(args...), dst.ok(args...); want != got {
			t.Errorf("tether %s: source\n%s\nrestored\n%s", strings.Join(args, " "), want, got)
		}
	}
	restoredTokens := dst.ok("token", "get")
	for _, line := range strings.Split(strings.TrimSpace(src.ok("token", "get")), "\n")[1:] {
		if !strings.Contains(restoredTokens, line) {
			t.Errorf("token %q is not on the restored server:\n%s", line, restoredTokens)
		}
	}
	for _, id := range []string{"training-data", "training-data-gcs", "training-data-azure", "docker-registry", "docker-registry-ecr"} {
		if d := cmp.Diff(src.getOne(id, true), dst.getOne(id, true)); d != "" {
			t.Errorf("%s after restore (-source +restored):\n%s", id, d)
		}
	}
	for _, ns := range []string{"team-a", "team-b"} {
		want := src.ok("conn", "get", "-n", ns, "-o", "json", "--decrypted")
		if got := dst.ok("conn", "get", "-n", ns, "-o", "json", "--decrypted"); want != got {
			t.Errorf("namespace %s after restore: source\n%s\nrestored\n%s", ns, want, got)
		}
	}
	var events []struct{ Subject, Action, Job, Outcome string }
	if err := json.Unmarshal([]byte(dst.ok("audit", "get", "-n", "team-a", "--id", "registry", "-o", "json")), &events); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || (e.Subject == "user:alice" && e.Action == "connection.reveal" && e.Job == "nightly-train")
	}
	if !found {
		t.Errorf("alice's reveal is not in the restored audit log: %+v", events)
	}
}

// compareAccess: alice's token authenticates on the restored server and
// holds exactly her role there; the source's admin token works too.
func compareAccess(t *testing.T, src, dst *server, aliceToken string) {
	alice := newCLI(t, dst).with("TETHER_TOKEN_PATH", "").with("TETHER_TOKEN", aliceToken)
	alice.ok("conn", "get", "-n", "team-a", "--id", "registry", "-d")
	wantError(t, alice.run("", "conn", "delete", "-n", "team-a", "--id", "registry"), 6, "connections.write")
	wantError(t, alice.run("", "conn", "get", "-n", "team-b"), 4, "not found")
	wantError(t, alice.run("", "conn", "get", "--id", "training-data"), 4, "not found")
	wantError(t, alice.run("", "token", "get"), 6)
	newCLI(t, dst).with("TETHER_TOKEN_PATH", src.TokenFile).ok("conn", "get", "-n", "team-b", "--id", "other-registry")
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
