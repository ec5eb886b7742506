package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/migration"
)

// migrationFiles holds the schema migrations, named NNNN_description.sql and
// numbered 1, 2, 3, ... without gaps. The numbers are this store's own:
// 0002 (change notifications) has no SQLite counterpart, so the tables of
// SQLite's 0002 come with 0003 here. A released migration is never edited:
// a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockClass is the first key of the advisory lock that serialises
// migrations ("teth" in ASCII); the second is a hash of the schema being
// migrated, so tether schemas side by side in one database do not wait for
// each other. Advisory locks are per database already.
const migrateLockClass int32 = 0x74657468

// createSchemaMigrations creates the table that records applied migrations.
// It is created by the migration code, not by a migration, so that the
// version of any database, even an empty one, can be read the same way.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies the pending migrations and returns their versions (none
// if the schema is up to date). It refuses, with EINVALID, a database whose
// schema is newer than this binary knows: running old code on a newer schema
// could silently lose data.
//
// Everything happens in one READ COMMITTED transaction that first takes a
// transaction-scoped advisory lock: when several replicas start at once,
// one migrates while the others wait for the lock, then find nothing left
// to do. The lock cannot outlive the transaction, even if the process dies,
// and PostgreSQL's transactional DDL makes the pending migrations apply all
// together or not at all. (A future migration that cannot run in a
// transaction, such as CREATE INDEX CONCURRENTLY, needs a session lock
// instead.)
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	const op = "postgres.Migrate"
	migrations, err := migration.Load(migrationFiles)
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	var applied []int
	// READ COMMITTED whatever the server's default: each statement must see
	// what a replica that held the lock before us committed.
	err = db.inTx(ctx, op, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		current, err := lockSchema(ctx, op, tx)
		if err != nil {
			return err
		}
		if latest := len(migrations); current > latest {
			return newerSchema(op, current, latest)
		}
		for _, m := range migrations[current:] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return storeErr(ctx, op+" "+m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
				m.Version, m.Name); err != nil {
				return storeErr(ctx, op+" "+m.Name, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// lockSchema takes the migration lock for tx, creates schema_migrations if
// needed, and returns the schema version recorded there.
func lockSchema(ctx context.Context, op string, tx pgx.Tx) (int, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), '')))`,
		migrateLockClass); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	if _, err := tx.Exec(ctx, createSchemaMigrations); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return current, nil
}

// newerSchema is the error for a database migrated by a newer binary. The
// wording is the SQLite store's.
func newerSchema(op string, current, latest int) error {
	return &tether.Error{Code: tether.EINVALID, Op: op, Message: fmt.Sprintf(
		"database schema version %d is newer than this tether binary supports (%d); upgrade tether", current, latest)}
}

// SchemaStatus reports the schema version of the database (0 if it was
// never migrated) and the newest version this binary knows. It writes
// nothing, so it works on a database opened with NoMigrate, and through a
// role that may only read.
func (db *DB) SchemaStatus(ctx context.Context) (current, latest int, err error) {
	const op = "postgres.SchemaStatus"
	migrations, err := migration.Load(migrationFiles)
	if err != nil {
		return 0, 0, tether.Internal(op, err)
	}
	latest = len(migrations)
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, storeErr(ctx, op, err)
	}
	if !exists {
		return 0, latest, nil
	}
	if err := db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, 0, storeErr(ctx, op, err)
	}
	return current, latest, nil
}
