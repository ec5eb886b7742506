package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
)

// recordColumns are the columns scanRecord reads, in its order.
const recordColumns = `namespace, id, type, vital, spec, sealed, key_id, version, created_at, updated_at`

// recordColumnNames returns recordColumns as a list, for COPY.
func recordColumnNames() []string {
	return strings.Split(strings.ReplaceAll(recordColumns, " ", ""), ",")
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// scanRecord reads one row of recordColumns. Times come back in UTC, as
// from the SQLite store.
func scanRecord(s scanner) (*tether.Record, error) {
	var r tether.Record
	err := s.Scan(&r.Namespace, &r.ID, &r.Type, &r.Vital, &r.Spec, &r.Sealed, &r.KeyID,
		&r.Version, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// recordValues returns r's values in recordColumns order, as bound to a
// statement or sent by COPY. Times are kept to the microsecond by pgx.
func recordValues(r *tether.Record) []any {
	return []any{r.Namespace, r.ID, r.Type, r.Vital, nonNil(r.Spec), blob(r.Sealed), r.KeyID,
		r.Version, r.CreatedAt, r.UpdatedAt}
}

// blob binds b as bytea, and a nil b as SQL NULL.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// nonNil returns b, or an empty slice for nil, for NOT NULL bytea columns.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// utc returns t in UTC, or nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// GetRecord returns the record (ns, id), or ENOTFOUND.
func (db *DB) GetRecord(ctx context.Context, ns, id string) (*tether.Record, error) {
	const op = "postgres.GetRecord"
	row := db.pool.QueryRow(ctx, `SELECT `+recordColumns+` FROM connections WHERE namespace = $1 AND id = $2`, ns, id)
	r, err := scanRecord(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tether.ConnectionNotFound(op, id)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return r, nil
}

// ListRecords returns the records of ns matching opts, ordered by id. It is
// a keyset query (id > After): a range scan of the primary key, or, with a
// type filter, one range scan of the (namespace, type, id) index per type,
// merged, so its cost grows neither with the records before the cursor nor
// with the records of other types. (With "type = ANY(...)" the planner would
// read every record of the listed types, then sort.)
func (db *DB) ListRecords(ctx context.Context, ns string, opts tether.ListOptions) ([]*tether.Record, error) {
	const op = "postgres.ListRecords"
	if opts.Offset < 0 || opts.Limit < 0 {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: "offset and limit must not be negative"}
	}
	var limit any // NULL: no limit
	if opts.Limit > 0 {
		limit = opts.Limit
	}
	if len(opts.Types) == 0 {
		return queryRecords(ctx, op, db.pool, `SELECT `+recordColumns+` FROM connections
			WHERE namespace = $1 AND id > $2 ORDER BY id LIMIT $3 OFFSET $4`, ns, opts.After, limit, opts.Offset)
	}
	var branchLimit any // each branch needs at most offset+limit rows
	if opts.Limit > 0 {
		branchLimit = opts.Limit + opts.Offset
	}
	args := []any{ns, opts.After, branchLimit, limit, opts.Offset}
	var branches []string
	for _, t := range uniq(opts.Types) {
		args = append(args, t)
		branches = append(branches, `(SELECT `+recordColumns+` FROM connections
			WHERE namespace = $1 AND type = $`+strconv.Itoa(len(args))+` AND id > $2 ORDER BY id LIMIT $3)`)
	}
	q := `SELECT * FROM (` + strings.Join(branches, ` UNION ALL `) + `) AS t ORDER BY id LIMIT $4 OFFSET $5`
	return queryRecords(ctx, op, db.pool, q, args...)
}

// uniq returns the distinct values of list, in their first order.
func uniq(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// queryRecords runs a query selecting recordColumns.
func queryRecords(ctx context.Context, op string, q querier, query string, args ...any) ([]*tether.Record, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out := []*tether.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, storeErr(ctx, op, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return out, nil
}

// CreateRecord inserts r as is; ECONFLICT if (r.Namespace, r.ID) exists.
func (db *DB) CreateRecord(ctx context.Context, r *tether.Record) error {
	const op = "postgres.CreateRecord"
	_, err := db.pool.Exec(ctx, `INSERT INTO connections (`+recordColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, recordValues(r)...)
	if isUnique(err) {
		return &tether.Error{Code: tether.ECONFLICT, Op: op,
			Message: fmt.Sprintf("connection %q already exists", r.ID)}
	}
	return storeErr(ctx, op, err)
}

// UpdateRecord replaces every field of the stored record with r's, CreatedAt
// included, if the stored version is expectedVersion: ECONFLICT if it is
// not, ENOTFOUND if the record is absent. The compare-and-write and the
// lookup that picks the error are one statement: the update waits for a
// concurrent writer's row lock and re-checks the version on the row it
// committed, so of writers that read the same version exactly one wins.
func (db *DB) UpdateRecord(ctx context.Context, r *tether.Record, expectedVersion int64) error {
	const op = "postgres.UpdateRecord"
	var updated, found bool
	err := db.pool.QueryRow(ctx, `WITH updated AS (
			UPDATE connections SET type = $3, vital = $4, spec = $5, sealed = $6, key_id = $7,
				version = $8, created_at = $9, updated_at = $10
			WHERE namespace = $1 AND id = $2 AND version = $11
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM updated),
			EXISTS (SELECT 1 FROM connections WHERE namespace = $1 AND id = $2)`,
		append(recordValues(r), expectedVersion)...).Scan(&updated, &found)
	switch {
	case err != nil:
		return storeErr(ctx, op, err)
	case updated:
		return nil
	case !found:
		return tether.ConnectionNotFound(op, r.ID)
	}
	return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: fmt.Sprintf(
		"connection %q was changed by someone else since version %d; read it again and retry", r.ID, expectedVersion)}
}

// DeleteRecord removes the record; ENOTFOUND if absent, EINVALID if vital.
// The row is locked while its vital flag is read, so an update that makes
// the record vital cannot slip between the check and the delete.
func (db *DB) DeleteRecord(ctx context.Context, ns, id string) error {
	const op = "postgres.DeleteRecord"
	return db.inTx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var vital bool
		err := tx.QueryRow(ctx, `SELECT vital FROM connections WHERE namespace = $1 AND id = $2 FOR UPDATE`,
			ns, id).Scan(&vital)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return tether.ConnectionNotFound(op, id)
		case err != nil:
			return storeErr(ctx, op, err)
		case vital:
			return &tether.Error{Code: tether.EINVALID, Op: op,
				Message: fmt.Sprintf("connection %q is vital and cannot be deleted", id)}
		}
		_, err = tx.Exec(ctx, `DELETE FROM connections WHERE namespace = $1 AND id = $2`, ns, id)
		return storeErr(ctx, op, err)
	})
}
