package postgres_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/postgres"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
	"github.com/tether-ml/tether/internal/storetest"
)

// migrationRows returns schema_migrations as "version name applied_at" lines.
func migrationRows(t *testing.T, dbURL string) []string {
	t.Helper()
	rows, err := connect(t, dbURL).Query(t.Context(),
		`SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var version int
		var name, appliedAt string
		if err := rows.Scan(&version, &name, &appliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s", version, name, appliedAt))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// latest returns the newest schema version the binary knows.
func latest(t *testing.T, db *postgres.DB) int {
	t.Helper()
	_, latest, err := db.SchemaStatus(t.Context())
	if err != nil {
		t.Fatalf("SchemaStatus: %v", err)
	}
	return latest
}

func TestMigrationsApplyOnce(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	db := open(t, dbURL, postgres.Options{})
	n := latest(t, db)
	db.Close()
	first := migrationRows(t, dbURL)
	if len(first) != n || !strings.HasPrefix(first[0], "1 0001_init.sql ") {
		t.Fatalf("schema_migrations after first open: %q, want %d rows", first, n)
	}
	db = open(t, dbURL, postgres.Options{})
	defer db.Close()
	if d := cmp.Diff(first, migrationRows(t, dbURL)); d != "" {
		t.Errorf("reopening changed schema_migrations (-first +second):\n%s", d)
	}
	if applied, err := db.Migrate(t.Context()); err != nil || len(applied) != 0 {
		t.Errorf("Migrate of an up-to-date schema = %v, %v; want none", applied, err)
	}
}

// TestConcurrentOpen starts replicas together on a fresh database: each
// must open without error, and each migration must be applied once.
func TestConcurrentOpen(t *testing.T) {
	const replicas = 8
	dbURL := pgtest.FreshDatabase(t, "")
	dbs := make([]*postgres.DB, replicas)
	errs := make([]error, replicas)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			<-start
			dbs[i], errs[i] = postgres.Open(t.Context(), dbURL, postgres.Options{MaxConns: 2})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Open: %v", i, err)
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	rows := migrationRows(t, dbURL)
	if n := latest(t, dbs[0]); len(rows) != n {
		t.Errorf("schema_migrations holds %q, want %d rows", rows, n)
	}
	// Every replica works on the one schema.
	for i, db := range dbs {
		if err := db.CreateRecord(t.Context(), storetest.NewRecord("default", fmt.Sprintf("r%d", i), "s3")); err != nil {
			t.Errorf("replica %d: CreateRecord: %v", i, err)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	db := open(t, dbURL, postgres.Options{})
	n := latest(t, db)
	db.Close()
	if _, err := connect(t, dbURL).Exec(t.Context(),
		`INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
		t.Fatalf("insert future migration: %v", err)
	}
	db, err := postgres.Open(t.Context(), dbURL, postgres.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if code := tether.ErrorCode(err); code != tether.EINVALID {
		t.Errorf("error code %q, want %q", code, tether.EINVALID)
	}
	want := fmt.Sprintf("database schema version 99 is newer than this tether binary supports (%d); upgrade tether", n)
	if msg := tether.ErrorMessage(err); msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	// `tether migrate status` can still look.
	db = open(t, dbURL, postgres.Options{NoMigrate: true})
	defer db.Close()
	if current, latest, err := db.SchemaStatus(t.Context()); err != nil || current != 99 || latest != n {
		t.Errorf("SchemaStatus = %d, %d, %v; want 99, %d", current, latest, err, n)
	}
	if _, err := db.Migrate(t.Context()); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("Migrate of a newer schema: %v, want %s", err, tether.EINVALID)
	}
}

// TestNoMigrate: a database opened with NoMigrate is left alone until
// Migrate is called.
func TestNoMigrate(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	db := open(t, dbURL, postgres.Options{NoMigrate: true})
	defer db.Close()
	current, latest, err := db.SchemaStatus(t.Context())
	if err != nil || current != 0 || latest < 1 {
		t.Fatalf("SchemaStatus of an empty database = %d, %d, %v; want 0, >= 1", current, latest, err)
	}
	var tables int
	if err := connect(t, dbURL).QueryRow(t.Context(),
		`SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("NoMigrate and SchemaStatus created %d tables (%v)", tables, err)
	}
	applied, err := db.Migrate(t.Context())
	want := make([]int, latest)
	for i := range want {
		want[i] = i + 1
	}
	if err != nil || !slices.Equal(applied, want) {
		t.Errorf("Migrate = %v, %v; want %v", applied, err, want)
	}
	if current, _, err := db.SchemaStatus(t.Context()); err != nil || current != latest {
		t.Errorf("SchemaStatus after Migrate = %d, %v; want %d", current, err, latest)
	}
}

// TestByteOrder runs on a database whose default collation is a natural
// language's, where "_" < "a" < "B": every order the store gives must still
// be byte order, the SQLite store's.
func TestByteOrder(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, `TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`)
	db := open(t, dbURL, postgres.Options{})
	defer db.Close()
	want := []string{"B", "Z", "_", "a"}
	for _, ns := range []string{"a", "_", "B"} {
		for _, id := range []string{"a", "_", "Z", "B"} {
			if err := db.CreateRecord(t.Context(), storetest.NewRecord(ns, id, "s3")); err != nil {
				t.Fatalf("CreateRecord: %v", err)
			}
		}
	}
	records, err := db.ListRecords(t.Context(), "a", tether.ListOptions{After: "A"})
	if got := ids(records); err != nil || !slices.Equal(got, want) {
		t.Errorf("ListRecords after A = %v, %v; want %v", got, err, want)
	}
	records, err = db.RecordsNotWrappedBy(t.Context(), "key-new", "B", "_", 3)
	if got := keys(records); err != nil || !slices.Equal(got, []string{"B/a", "_/B", "_/Z"}) {
		t.Errorf("RecordsNotWrappedBy after B/_ = %v, %v", got, err)
	}
}

// ids returns the ids of records, in order.
func ids(records []*tether.Record) []string {
	out := []string{}
	for _, r := range records {
		out = append(out, r.ID)
	}
	return out
}

// keys returns the records as "namespace/id", in order.
func keys(records []*tether.Record) []string {
	out := []string{}
	for _, r := range records {
		out = append(out, r.Namespace+"/"+r.ID)
	}
	return out
}

// TestByteOrderAccess: namespaces and role bindings are listed in byte
// order too, on a database whose collation is a natural language's.
func TestByteOrderAccess(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, `TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`)
	db := open(t, dbURL, postgres.Options{})
	defer db.Close()
	for _, ns := range []string{"a", "_", "B"} {
		if err := db.CreateNamespace(t.Context(), storetest.NewNamespace(ns)); err != nil {
			t.Fatalf("CreateNamespace: %v", err)
		}
		for _, subject := range []string{"user:a", "user:_", "user:B"} {
			b := storetest.NewRoleBinding(ns+subject, subject, tether.RoleViewer, ns)
			if err := db.CreateRoleBinding(t.Context(), b); err != nil {
				t.Fatalf("CreateRoleBinding: %v", err)
			}
		}
	}
	namespaces, err := db.ListNamespaces(t.Context())
	var names []string
	for _, n := range namespaces {
		names = append(names, n.Name)
	}
	if want := []string{"B", "_", "a", "default"}; err != nil || !slices.Equal(names, want) {
		t.Errorf("ListNamespaces = %v, %v; want %v", names, err, want)
	}
	bindings, err := db.ListRoleBindings(t.Context())
	var got []string
	for _, b := range bindings {
		got = append(got, b.ID)
	}
	want := []string{"Buser:B", "Buser:_", "Buser:a", "_user:B", "_user:_", "_user:a", "auser:B", "auser:_", "auser:a"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ListRoleBindings = %v, %v; want %v", got, err, want)
	}
}

// TestUpgradeKeepsData: migrating a database in use from version 2 adds
// the access tables, with the namespace "default", and the token
// notifications, and keeps the data.
func TestUpgradeKeepsData(t *testing.T) {
	dbURL := pgtest.FreshDatabase(t, "")
	db := open(t, dbURL, postgres.Options{})
	r := storetest.NewRecord("default", "kept", "s3")
	if err := db.CreateRecord(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := connect(t, dbURL).Exec(t.Context(), `DROP TABLE connection_versions, history_settings;
		DROP FUNCTION tether_keep_version() CASCADE;
		DROP TABLE namespaces, role_bindings, audit_events;
		DROP TRIGGER tokens_notify_change ON tokens;
		DROP TABLE changes, change_log_settings; DROP SEQUENCE changes_resource_version;
		DROP FUNCTION tether_log_change() CASCADE;
		ALTER TABLE connections DROP COLUMN last_test, DROP COLUMN last_test_at, DROP COLUMN expires_at, DROP COLUMN expiry_what;
		DELETE FROM schema_migrations WHERE version >= 3`); err != nil {
		t.Fatalf("roll back to version 2: %v", err)
	}
	db = open(t, dbURL, postgres.Options{NoMigrate: true})
	defer db.Close()
	if applied, err := db.Migrate(t.Context()); err != nil || !slices.Equal(applied, []int{3, 4, 5, 6, 7, 8}) {
		t.Fatalf("Migrate from version 2 = %v, %v; want [3 4 5 6 7 8]", applied, err)
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
