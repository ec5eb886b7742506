package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/migration"
)

// migrationFiles holds the schema migrations, named NNNN_description.sql and
// numbered 1, 2, 3, ... without gaps. A released migration is never edited:
// a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate brings the schema up to date, applying each pending migration in
// its own transaction and recording it in schema_migrations, and returns the
// versions it applied. It refuses a database whose schema is newer than this
// binary knows: running old code on a newer schema could silently lose data.
func migrate(ctx context.Context, db *sql.DB) ([]int, error) {
	const op = "sqlite.migrate"
	migrations, err := migration.Load(migrationFiles)
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	current, err := schemaVersion(ctx, op, db)
	if err != nil {
		return nil, err
	}
	latest := migrations[len(migrations)-1].Version
	if current > latest {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: fmt.Sprintf(
			"database schema version %d is newer than this tether binary supports (%d); upgrade tether", current, latest)}
	}
	var applied []int
	for _, m := range migrations[current:] {
		done, err := applyMigration(ctx, db, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// schemaVersion creates schema_migrations if needed and returns the newest
// version recorded there (0 for a new database).
func schemaVersion(ctx context.Context, op string, db *sql.DB) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return current, nil
}

// SchemaStatus reports the schema version of the database and the newest
// version this binary knows.
func (db *DB) SchemaStatus(ctx context.Context) (current, latest int, err error) {
	const op = "sqlite.SchemaStatus"
	migrations, err := migration.Load(migrationFiles)
	if err != nil {
		return 0, 0, tether.Internal(op, err)
	}
	current, err = schemaVersion(ctx, op, db.write)
	return current, migrations[len(migrations)-1].Version, err
}

// Migrate applies the pending migrations and returns their versions. A
// handle opened with NoMigrate takes ownership of the file first, so that
// the schema cannot change under a running server.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	if db.owner == nil {
		owner, err := lockOwner("sqlite.Migrate", db.path)
		if err != nil {
			return nil, err
		}
		db.owner = owner
	}
	defer db.cache.forgetAll()
	return migrate(ctx, db.write)
}

// applyMigration runs m and records it, atomically, and reports whether it
// did. The check inside the transaction makes two processes migrating at
// once apply m only once.
func applyMigration(ctx context.Context, db *sql.DB, m migration.Migration) (bool, error) {
	op := "sqlite.migrate " + m.Name
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	defer func() { _ = tx.Rollback() }()
	var applied int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&applied); err != nil {
		return false, storeErr(ctx, op, err)
	}
	if applied > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, storeErr(ctx, op, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return false, storeErr(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return false, storeErr(ctx, op, err)
	}
	return true, nil
}
