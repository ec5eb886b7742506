package sqlite_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlite"
	"github.com/tether-ml/tether/internal/storetest"
)

// migrationRows returns schema_migrations as "version name applied_at" lines.
func migrationRows(t *testing.T, path string) []string {
	t.Helper()
	rows, err := raw(t, "file:"+escape(path)).Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var version, appliedAt int64
		var name string
		if err := rows.Scan(&version, &name, &appliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %d", version, name, appliedAt))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrationsApplyOnce(t *testing.T) {
	path := tempPath(t)
	open(t, path, sqlite.Options{}).Close()
	first := migrationRows(t, path)
	if len(first) == 0 || !strings.HasPrefix(first[0], "1 0001_") {
		t.Fatalf("schema_migrations after first open: %q", first)
	}
	open(t, path, sqlite.Options{}).Close()
	if d := cmp.Diff(first, migrationRows(t, path)); d != "" {
		t.Errorf("reopening changed schema_migrations (-first +second):\n%s", d)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := tempPath(t)
	open(t, path, sqlite.Options{}).Close()
	if _, err := raw(t, "file:"+escape(path)).Exec(
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', 0)`); err != nil {
		t.Fatalf("insert future migration: %v", err)
	}
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if code := tether.ErrorCode(err); code != tether.EINVALID {
		t.Errorf("error code %q, want %q", code, tether.EINVALID)
	}
	msg := tether.ErrorMessage(err)
	for _, want := range []string{"database schema version 99 is newer than this tether binary supports (", "upgrade tether"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
}

// TestUpgradeKeepsData: migrating a database in use from version 1 adds
// the access tables, with the namespace "default", and keeps the data.
func TestUpgradeKeepsData(t *testing.T) {
	path := tempPath(t)
	db := open(t, path, sqlite.Options{})
	r := storetest.NewRecord("default", "kept", "s3")
	if err := db.CreateRecord(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := raw(t, "file:"+escape(path)).Exec(`DROP TRIGGER connections_history_insert; DROP TRIGGER connections_history_update;
		DROP TRIGGER connections_history_rewrap; DROP TRIGGER connections_history_delete;
		DROP TABLE connection_versions; DROP TABLE history_settings;
		DROP TRIGGER connections_log_insert; DROP TRIGGER connections_log_update;
		DROP TRIGGER connections_log_delete; DROP TABLE changes; DROP TABLE change_log_settings;
		DROP TABLE namespaces; DROP TABLE role_bindings;
		DROP TABLE audit_events; DROP INDEX connections_expires_at; DROP INDEX connections_tested; DROP INDEX connections_last_test_at;
		DROP INDEX connections_namespace_last_test_at; ALTER TABLE connections DROP COLUMN expires_at;
		ALTER TABLE connections DROP COLUMN expiry_what; ALTER TABLE connections DROP COLUMN last_test_at;
		ALTER TABLE connections DROP COLUMN last_test;
		DELETE FROM schema_migrations WHERE version >= 2`); err != nil {
		t.Fatalf("roll back to version 1: %v", err)
	}
	db = open(t, path, sqlite.Options{NoMigrate: true})
	defer db.Close()
	if applied, err := db.Migrate(t.Context()); err != nil || !slices.Equal(applied, []int{2, 3, 4, 5, 6, 7}) {
		t.Fatalf("Migrate from version 1 = %v, %v; want [2 3 4 5 6 7]", applied, err)
	}
	if got, err := db.GetRecord(t.Context(), "default", "kept"); err != nil || got.ID != "kept" {
		t.Errorf("GetRecord after the upgrade = %v, %v", got, err)
	}
	if got, err := db.ListVersions(t.Context(), "default", "kept", 0, 10); err != nil || len(got) != 1 || got[0].Version != 1 {
		t.Errorf("history after the upgrade = %v, %v; want the live version", got, err)
	}
	if _, err := db.GetNamespace(t.Context(), tether.DefaultNamespace); err != nil {
		t.Errorf("GetNamespace(default) after the upgrade: %v", err)
	}
}

// TestUpgradeReindexesAudit: migrating from version 2 replaces the audit
// indexes by the time-led one and keeps the log, which the usage query
// (namespace, connection, action, since) still finds.
func TestUpgradeReindexesAudit(t *testing.T) {
	path := tempPath(t)
	db := open(t, path, sqlite.Options{})
	now := time.Now().UTC().Truncate(time.Microsecond)
	var events []*tether.AuditEvent
	for i := range 50 {
		events = append(events, &tether.AuditEvent{Time: now.Add(time.Duration(i-50) * time.Hour),
			Action: "connection.reveal", Namespace: "default", Connection: fmt.Sprintf("c%d", i%5), Outcome: tether.OutcomeSuccess})
	}
	if err := db.AppendAudit(t.Context(), events...); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := raw(t, "file:"+escape(path)).Exec(`DROP TRIGGER connections_history_insert; DROP TRIGGER connections_history_update;
		DROP TRIGGER connections_history_rewrap; DROP TRIGGER connections_history_delete;
		DROP TABLE connection_versions; DROP TABLE history_settings;
		DROP TRIGGER connections_log_insert; DROP TRIGGER connections_log_update;
		DROP TRIGGER connections_log_delete; DROP TABLE changes; DROP TABLE change_log_settings;
		DROP INDEX audit_events_time_namespace_connection;
		CREATE INDEX audit_events_namespace_connection_time ON audit_events (namespace, connection, time);
		CREATE INDEX audit_events_time ON audit_events (time);
		DROP INDEX connections_expires_at; DROP INDEX connections_tested; DROP INDEX connections_last_test_at;
		DROP INDEX connections_namespace_last_test_at; ALTER TABLE connections DROP COLUMN expires_at;
		ALTER TABLE connections DROP COLUMN expiry_what; ALTER TABLE connections DROP COLUMN last_test_at;
		ALTER TABLE connections DROP COLUMN last_test;
		DELETE FROM schema_migrations WHERE version >= 3`); err != nil {
		t.Fatalf("roll back to version 2: %v", err)
	}
	db = open(t, path, sqlite.Options{NoMigrate: true})
	defer db.Close()
	if applied, err := db.Migrate(t.Context()); err != nil || !slices.Equal(applied, []int{3, 4, 5, 6, 7}) {
		t.Fatalf("Migrate from version 2 = %v, %v; want [3 4 5 6 7]", applied, err)
	}
	got, err := db.ListAudit(t.Context(), tether.AuditFilter{Namespace: "default", Connection: "c2",
		Actions: []string{"connection.reveal"}, Since: now.Add(-20 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	want := []int64{events[32].ID, events[37].ID, events[42].ID, events[47].ID}
	if !slices.Equal(ids, want) {
		t.Errorf("usage window after the upgrade = ids %v, want %v", ids, want)
	}
	var indexes []string
	rows, err := raw(t, "file:"+escape(path)).Query(`SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
	}
	if !slices.Equal(indexes, []string{"audit_events_time_namespace_connection"}) {
		t.Errorf("audit indexes after the upgrade = %q, want only the time-led one", indexes)
	}
}
