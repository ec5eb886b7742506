package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// getRecordQuery is GetRecord's query.
const getRecordQuery = `SELECT ` + sqlrow.RecordColumns + ` FROM connections WHERE namespace = ? AND id = ?`

// GetRecord returns the record (ns, id), or ENOTFOUND.
func (db *DB) GetRecord(ctx context.Context, ns, id string) (*tether.Record, error) {
	const op = "sqlite.GetRecord"
	if r, ok := db.cache.get(ns, id); ok {
		return r, nil
	}
	// The lookup is one descent of the primary key: too short to be worth
	// interrupting once it has started, so ctx is checked only before. With
	// a context that can be cancelled, database/sql and the driver would each
	// start a goroutine per query to watch it: about 7 µs of a 110 µs read
	// that misses the cache.
	if err := ctx.Err(); err != nil {
		return nil, storeErr(ctx, op, err)
	}
	gen := db.cache.generation()
	var row *sql.Row
	if db.getRecord != nil {
		row = db.getRecord.QueryRowContext(context.WithoutCancel(ctx), ns, id)
	} else {
		row = db.read.QueryRowContext(context.WithoutCancel(ctx), getRecordQuery, ns, id)
	}
	r, err := sqlrow.Record[times](row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tether.ConnectionNotFound(op, id)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	if db.cache.fill(gen, r) {
		return cloneRecord(r), nil
	}
	return r, nil
}

// ListRecords returns the records of ns matching opts, ordered by id. It is
// a keyset query (id > After): a range scan of the primary key, or, with a
// type filter, one range scan of the (namespace, type, id) index per type,
// merged. Its cost does not grow with the records before the cursor, nor
// with the records of other types.
func (db *DB) ListRecords(ctx context.Context, ns string, opts tether.ListOptions) ([]*tether.Record, error) {
	const op = "sqlite.ListRecords"
	if err := opts.Check(op); err != nil {
		return nil, err
	}
	limit := int64(opts.Limit)
	if limit == 0 {
		limit = -1 // SQLite: no limit
	}
	if len(opts.Types) == 0 {
		return db.queryRecords(ctx, op, `SELECT `+sqlrow.RecordColumns+` FROM connections
			WHERE namespace = ? AND id > ? ORDER BY id LIMIT ? OFFSET ?`, ns, opts.After, limit, opts.Offset)
	}
	// Each branch needs at most offset+limit rows: the merge keeps the first.
	// INDEXED BY: without statistics the planner would rather walk the
	// primary key and filter, which reads every record of other types.
	branch := `SELECT * FROM (SELECT ` + sqlrow.RecordColumns + ` FROM connections
		INDEXED BY connections_namespace_type_id
		WHERE namespace = ? AND type = ? AND id > ? ORDER BY id LIMIT ?)`
	branchLimit := limit
	if limit >= 0 {
		branchLimit = limit + int64(opts.Offset)
	}
	var branches []string
	var args []any
	for _, t := range opts.DistinctTypes() {
		branches = append(branches, branch)
		args = append(args, ns, t, opts.After, branchLimit)
	}
	q := `SELECT * FROM (` + strings.Join(branches, ` UNION ALL `) + `) ORDER BY id LIMIT ? OFFSET ?`
	return db.queryRecords(ctx, op, q, append(args, limit, opts.Offset)...)
}

// queryRecords runs a query selecting sqlrow.RecordColumns on the read pool.
func (db *DB) queryRecords(ctx context.Context, op, query string, args ...any) ([]*tether.Record, error) {
	return queryAll(ctx, op, db.read, sqlrow.Record[times], query, args...)
}

// CreateRecord inserts r as is; ECONFLICT if (r.Namespace, r.ID) exists.
func (db *DB) CreateRecord(ctx context.Context, r *tether.Record) error {
	const op = "sqlite.CreateRecord"
	defer db.cache.forget(r.Namespace, r.ID)
	defer db.changed()
	_, err := db.write.ExecContext(ctx, `INSERT INTO connections (`+sqlrow.RecordColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sqlrow.RecordValues[times](r)...)
	if isUnique(err) {
		return tether.ConnectionExists(op, r.ID)
	}
	return storeErr(ctx, op, err)
}

// UpdateRecord replaces every field of the stored record with r's if the
// stored version is expectedVersion: ECONFLICT if it is not, ENOTFOUND if the
// record is absent. The compare and the write are one statement; the
// follow-up lookup, which only picks the error, shares its transaction.
func (db *DB) UpdateRecord(ctx context.Context, r *tether.Record, expectedVersion int64) error {
	const op = "sqlite.UpdateRecord"
	defer db.cache.forget(r.Namespace, r.ID)
	defer db.changed()
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE connections SET type = ?, vital = ?, spec = ?,
			sealed = ?, key_id = ?, version = ?, created_at = ?, updated_at = ?, last_test = ?,
			last_test_at = ?, expires_at = ?, expiry_what = ?
			WHERE namespace = ? AND id = ? AND version = ?`,
			append(sqlrow.RecordValues[times](r)[2:], r.Namespace, r.ID, expectedVersion)...)
		if n, err := affected(res, err); err != nil || n == 1 {
			return storeErr(ctx, op, err)
		}
		found, err := exists(ctx, tx, r.Namespace, r.ID)
		if err != nil {
			return storeErr(ctx, op, err)
		}
		if !found {
			return tether.ConnectionNotFound(op, r.ID)
		}
		return tether.ConnectionChanged(op, r.ID, expectedVersion)
	})
}

// DeleteRecord removes the record; ENOTFOUND if absent, EINVALID if vital.
// The vital check is part of the DELETE itself, so a concurrent update that
// makes the record vital cannot slip between a check and the delete.
func (db *DB) DeleteRecord(ctx context.Context, ns, id string) error {
	const op = "sqlite.DeleteRecord"
	defer db.cache.forget(ns, id)
	defer db.changed()
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`DELETE FROM connections WHERE namespace = ? AND id = ? AND vital = 0`, ns, id)
		if n, err := affected(res, err); err != nil || n == 1 {
			return storeErr(ctx, op, err)
		}
		found, err := exists(ctx, tx, ns, id)
		if err != nil {
			return storeErr(ctx, op, err)
		}
		if !found {
			return tether.ConnectionNotFound(op, id)
		}
		return tether.VitalUndeletable(op, id)
	})
}

// affected returns the rows affected by an Exec that returned res, err.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// exists reports whether the record (ns, id) exists, as tx sees it.
func exists(ctx context.Context, tx *sql.Tx, ns, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM connections WHERE namespace = ? AND id = ?`, ns, id).Scan(&n)
	return n > 0, err
}
