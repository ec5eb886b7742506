// Package sqlite implements tether.Store on an SQLite database file, with the
// pure-Go driver modernc.org/sqlite (no cgo), so that `tether server` with no
// flags works out of the box.
//
// Concurrency: a DB holds two connection pools on the same file. All writes
// go through a pool of exactly one connection; reads go through a separate
// pool of query-only connections. SQLite allows one writer at a time, and
// when several connections of one process compete for that lock, SQLite's
// busy handler can still return SQLITE_BUSY (a deferred transaction that
// tries to upgrade its read lock fails at once, whatever busy_timeout says).
// Serialising writers in Go instead makes them queue in database/sql, which
// honours the caller's context, and never surfaces SQLITE_BUSY within one
// process. WAL mode lets readers run concurrently with that writer, so reads
// do not queue behind writes. Writes from other processes are refused
// outright (owner.go): the handle that writes caches records. Processes
// that only read the file ("tether migrate status") may open it alongside;
// for them, write transactions begin IMMEDIATE and every connection waits
// up to busy_timeout for a lock.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/tether-ml/tether"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Options tune how a database is opened. The zero value is a good default.
type Options struct {
	// Synchronous is SQLite's PRAGMA synchronous: "NORMAL" (the default) is
	// safe against corruption in WAL mode but may lose the last commits on a
	// power failure; "FULL" makes every commit durable at the cost of an
	// fsync per commit. "OFF" and "EXTRA" are accepted too.
	Synchronous string
	// BusyTimeout is how long a statement waits for a lock held by another
	// process before failing. Zero means 5 seconds.
	BusyTimeout time.Duration
	// MaxReaders caps the read pool. Zero means the number of CPUs (at
	// least 2).
	MaxReaders int
	// CheckpointInterval is how often committed writes are copied from
	// the WAL into the database file, off the write path (checkpoint.go).
	// Zero means 100ms.
	CheckpointInterval time.Duration
	// NoMigrate opens the database without applying pending migrations,
	// and without taking ownership of it (see owner.go), for "tether
	// migrate": Migrate takes ownership when it is called.
	NoMigrate bool
	// ChangeHistory is how many changes the change log keeps (see
	// tether.ChangeLog); a watcher further behind must list again. Zero
	// keeps the database's setting (tether.DefaultChangeHistory unless an
	// earlier Open set another).
	ChangeHistory int
	// HistoryKeep is how many versions of each connection the history
	// keeps (see tether.History). Zero keeps the database's setting
	// (tether.DefaultHistoryKeep unless an earlier Open set another).
	HistoryKeep int
}

// DB is a tether.Store on one SQLite database file. It is safe for
// concurrent use.
type DB struct {
	path  string
	write *sql.DB // exactly one connection: every write is serialised here
	read  *sql.DB // query-only connections for reads
	// getRecord is GetRecord's query, prepared once per read connection:
	// the hottest read skips SQLite's parser.
	getRecord *sql.Stmt
	cache     *recordCache
	// auditInserts are AppendAudit's statements, prepared on the writer.
	auditInserts *auditInserts
	owner        *flock.Flock // nil until the handle owns the file
	ckpt         *checkpointer
	notes        notifier // WatchChanges
}

// poolRole is what a connection pool of a DB is for.
type poolRole int

const (
	writerPool     poolRole = iota // the one connection that writes
	readerPool                     // query-only connections
	checkpointPool                 // the one connection that checkpoints
)

var (
	_ tether.Store         = (*DB)(nil)
	_ tether.ChangeWatcher = (*DB)(nil)
)

// Open opens (creating if needed) the database at path, applies pending
// migrations, and returns the store. It fails with EINVALID for bad options
// or a database whose schema is newer than this binary knows. path must name
// a file: an in-memory database cannot be shared by the two pools.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	const op = "sqlite.Open"
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if path == "" || path == ":memory:" {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: "the SQLite database must be a file path"}
	}
	db := &DB{path: path, cache: newRecordCache()}
	if !opts.NoMigrate {
		if db.owner, err = lockOwner(op, path); err != nil {
			return nil, err
		}
	}
	// fail closes what Open opened so far and returns err.
	fail := func(err error) (*DB, error) {
		_ = db.Close()
		return nil, err
	}
	if db.write, err = openPool(ctx, path, opts, writerPool); err != nil {
		return fail(err)
	}
	db.auditInserts = newAuditInserts(db.write)
	if !opts.NoMigrate {
		if _, err = migrate(ctx, db.write); err != nil {
			return fail(err)
		}
		if err = setChangeHistory(ctx, db.write, opts.ChangeHistory); err != nil {
			return fail(err)
		}
		if err = setHistoryKeep(ctx, db.write, opts.HistoryKeep); err != nil {
			return fail(err)
		}
	}
	if db.read, err = openPool(ctx, path, opts, readerPool); err != nil {
		return fail(err)
	}
	ckpt, err := openPool(ctx, path, opts, checkpointPool)
	if err != nil {
		return fail(err)
	}
	db.ckpt = startCheckpointer(ckpt, db.write, opts.CheckpointInterval)
	// A database opened without migrating may lack columns the statement
	// reads (tether migrate status on an older schema): GetRecord then
	// runs the query unprepared.
	if opts.NoMigrate {
		return db, nil
	}
	if db.getRecord, err = db.read.PrepareContext(ctx, getRecordQuery); err != nil {
		return fail(storeErr(ctx, op, err))
	}
	return db, nil
}

// withDefaults validates o and fills in its zero fields.
func (o Options) withDefaults() (Options, error) {
	o.Synchronous = strings.ToUpper(o.Synchronous)
	switch o.Synchronous {
	case "":
		o.Synchronous = "NORMAL"
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return o, &tether.Error{Code: tether.EINVALID, Op: "sqlite.Open",
			Message: "synchronous must be one of OFF, NORMAL, FULL, EXTRA"}
	}
	if o.ChangeHistory < 0 || o.HistoryKeep < 0 {
		return o, &tether.Error{Code: tether.EINVALID, Op: "sqlite.Open",
			Message: "the change history and the versions kept must not be negative"}
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = 100 * time.Millisecond
	}
	if o.MaxReaders <= 0 {
		o.MaxReaders = max(runtime.NumCPU(), 2)
	}
	return o, nil
}

// openPool opens and pings one of the pools. The writer pool is opened
// first, so it is the one that switches the file to WAL (a persistent
// setting) before any other connects.
func openPool(ctx context.Context, path string, opts Options, role poolRole) (*sql.DB, error) {
	const op = "sqlite.Open"
	pool, err := sql.Open("sqlite", dsn(path, opts, role))
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	if role == readerPool {
		pool.SetMaxOpenConns(opts.MaxReaders)
		pool.SetMaxIdleConns(opts.MaxReaders)
	} else {
		pool.SetMaxOpenConns(1)
		pool.SetMaxIdleConns(1)
	}
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close()
		return nil, storeErr(ctx, op, err)
	}
	return pool, nil
}

// dsn builds the driver's connection string. The path goes into a file: URI,
// escaped, so that a '?' or '%' in it cannot be mistaken for parameters.
func dsn(path string, opts Options, role poolRole) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	path = filepath.ToSlash(path)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // a Windows drive letter: file:///C:/...
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", opts.Synchronous)
	switch role {
	case readerPool:
		q.Set("_query_only", "1")
	case writerPool:
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
		q.Set("_pragma", "wal_autocheckpoint(0)") // the checkpointer's job
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Path returns the path of the database file, as given to Open.
func (db *DB) Path() string { return db.path }

// Ping reports whether both pools can reach the database.
func (db *DB) Ping(ctx context.Context) error {
	const op = "sqlite.Ping"
	if err := db.write.PingContext(ctx); err != nil {
		return storeErr(ctx, op, err)
	}
	if err := db.read.PingContext(ctx); err != nil {
		return storeErr(ctx, op, err)
	}
	return nil
}

// Close stops the checkpointer and closes the pools. Closing the writer
// last lets SQLite checkpoint the WAL into the main file when the last
// connection goes. It also closes a DB that Open left half open.
func (db *DB) Close() error {
	var errs []error
	if db.getRecord != nil {
		errs = append(errs, db.getRecord.Close())
	}
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	if db.auditInserts != nil {
		errs = append(errs, db.auditInserts.close())
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	db.unlock()
	return errors.Join(errs...)
}

// unlock gives up ownership of the file, if the handle has it.
func (db *DB) unlock() {
	if db.owner != nil {
		_ = db.owner.Unlock()
		db.owner = nil
	}
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE on the one writer
// connection) and commits it if fn succeeds. fn returns errors that are
// already mapped; inTx maps only its own.
func (db *DB) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return storeErr(ctx, op, err)
	}
	return nil
}
