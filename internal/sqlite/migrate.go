package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tether-ml/tether"
)

// migrationFiles holds the schema migrations, named NNNN_description.sql and
// numbered 1, 2, 3, ... without gaps. A released migration is never edited:
// a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrate brings the schema up to date, applying each pending migration in
// its own transaction and recording it in schema_migrations. It refuses a
// database whose schema is newer than this binary knows: running old code on
// a newer schema could silently lose data.
func migrate(ctx context.Context, db *sql.DB) error {
	const op = "sqlite.migrate"
	migrations, err := loadMigrations(migrationFiles)
	if err != nil {
		return tether.Internal(op, err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return storeErr(ctx, op, err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return storeErr(ctx, op, err)
	}
	latest := migrations[len(migrations)-1].version
	if current > latest {
		return &tether.Error{Code: tether.EINVALID, Op: op, Message: fmt.Sprintf(
			"database schema version %d is newer than this tether binary supports (%d); upgrade tether", current, latest)}
	}
	for _, m := range migrations[current:] {
		if err := applyMigration(ctx, db, m); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs m and records it, atomically. The check inside the
// transaction makes two processes migrating at once apply m only once.
func applyMigration(ctx context.Context, db *sql.DB, m migration) error {
	op := "sqlite.migrate " + m.name
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer func() { _ = tx.Rollback() }()
	var applied int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&applied); err != nil {
		return storeErr(ctx, op, err)
	}
	if applied > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return storeErr(ctx, op, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return storeErr(ctx, op, err)
	}
	return storeErr(ctx, op, tx.Commit())
}

// loadMigrations reads the migrations in version order and checks that they
// are numbered 1..n without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, name := range names {
		base := path.Base(name)
		prefix, _, _ := strings.Cut(base, "_")
		version, err := strconv.Atoi(prefix)
		if err != nil || version != i+1 {
			return nil, fmt.Errorf("migration %s: want number %d", base, i+1)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: version, name: base, sql: string(body)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations embedded")
	}
	return out, nil
}
