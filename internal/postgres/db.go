// Package postgres implements tether.Store on PostgreSQL, with pgx's
// connection pool, for teams that run several stateless `tether server`
// replicas on one database.
//
// Every method is one statement or one transaction, so replicas need no
// coordination beyond what PostgreSQL gives: optimistic concurrency on the
// record version, row locks, and unique constraints. Schema migrations are
// embedded in the binary and applied by Open under an advisory lock, so
// replicas that start together apply each migration exactly once (see
// migrate.go).
//
// Ids, namespaces, types and key ids are stored with the "C" collation, so
// that every ordering (lists, key rotation walks, exports) is byte order,
// the same as the SQLite store's, whatever locale the database was created
// with. Times are timestamptz: microsecond precision, like the SQLite store.
package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tether-ml/tether"
)

// Options tune how a database is opened. The zero value is a good default.
type Options struct {
	// NoMigrate opens the database without applying pending migrations and
	// without checking the schema version, for `tether migrate status`;
	// SchemaStatus and Migrate then report and apply them.
	NoMigrate bool
	// MaxConns caps the connection pool. Zero means the URL's
	// pool_max_conns, or else pgxpool's default (4, or the number of CPUs
	// if more). Each replica holds up to this many connections, so the sum
	// over replicas must stay under the server's max_connections.
	MaxConns int32
	// ChangeHistory is how many changes the change log keeps (see
	// tether.ChangeLog); a watcher further behind must list again. Zero
	// keeps the database's setting (tether.DefaultChangeHistory unless a
	// replica set another): replicas should agree on it.
	ChangeHistory int
	// HistoryKeep is how many versions of each connection the history
	// keeps (see tether.History). Zero keeps the database's setting
	// (tether.DefaultHistoryKeep unless a replica set another): replicas
	// should agree on it.
	HistoryKeep int
}

// connectTimeout bounds each connection attempt when the URL sets no
// connect_timeout, so that a replica pointed at an unreachable host fails
// with a clear error instead of waiting for the operating system's TCP
// timeout.
const connectTimeout = 10 * time.Second

// DB is a tether.Store on one PostgreSQL database. It is safe for concurrent
// use, by any number of DBs in any number of processes on the same database.
type DB struct {
	pool *pgxpool.Pool
}

var _ tether.Store = (*DB)(nil)

// Open connects to the database at url, a PostgreSQL URL such as
// postgres://user:password@host:5432/tether?sslmode=verify-full (libpq's
// parameters and pgxpool's pool_* parameters are accepted; search_path
// selects a schema), applies pending migrations unless opts.NoMigrate, and
// returns the store. It fails with EINVALID for a malformed URL, bad
// options, or a schema newer than this binary knows, and with EUNAVAILABLE
// if the server cannot be reached.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	const op = "postgres.Open"
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors may quote the URL, password included: keep
		// the cause out of the error, whose text ends up in logs.
		return nil, &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "invalid PostgreSQL URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]"}
	}
	if opts.MaxConns < 0 {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: "the maximum number of connections must not be negative"}
	}
	if opts.ChangeHistory < 0 || opts.HistoryKeep < 0 {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: "the change history and the versions kept must not be negative"}
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	db := &DB{pool: pool}
	if opts.NoMigrate {
		err = db.Ping(ctx)
	} else {
		_, err = db.Migrate(ctx)
		if err == nil {
			err = db.setChangeHistory(ctx, opts.ChangeHistory)
		}
		if err == nil {
			err = db.setHistoryKeep(ctx, opts.HistoryKeep)
		}
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Ping reports whether the database can serve requests: EUNAVAILABLE if the
// server cannot be reached.
func (db *DB) Ping(ctx context.Context) error {
	return storeErr(ctx, "postgres.Ping", db.pool.Ping(ctx))
}

// Close closes every connection of the pool, waiting for those in use to be
// released. It always returns nil; the error is there for tether.Store.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// inTx runs fn in a transaction with the given options and commits it if fn
// succeeds. fn returns errors that are already mapped; inTx maps only its
// own. A failed rollback is ignored: the server aborts a transaction whose
// connection goes away, and pgx discards such a connection.
func (db *DB) inTx(ctx context.Context, op string, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return storeErr(ctx, op, tx.Commit(ctx))
}
