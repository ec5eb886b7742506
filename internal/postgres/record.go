package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// GetRecord returns the record (ns, id), or ENOTFOUND.
func (db *DB) GetRecord(ctx context.Context, ns, id string) (*tether.Record, error) {
	const op = "postgres.GetRecord"
	row := db.pool.QueryRow(ctx, `SELECT `+sqlrow.RecordColumns+` FROM connections WHERE namespace = $1 AND id = $2`, ns, id)
	r, err := sqlrow.Record[times](row)
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
	if err := opts.Check(op); err != nil {
		return nil, err
	}
	var limit any // NULL: no limit
	if opts.Limit > 0 {
		limit = opts.Limit
	}
	if len(opts.Types) == 0 {
		return queryRecords(ctx, op, db.pool, `SELECT `+sqlrow.RecordColumns+` FROM connections
			WHERE namespace = $1 AND id > $2 ORDER BY id LIMIT $3 OFFSET $4`, ns, opts.After, limit, opts.Offset)
	}
	var branchLimit any // each branch needs at most offset+limit rows
	if opts.Limit > 0 {
		branchLimit = opts.Limit + opts.Offset
	}
	args := []any{ns, opts.After, branchLimit, limit, opts.Offset}
	var branches []string
	for _, t := range opts.DistinctTypes() {
		args = append(args, t)
		branches = append(branches, `(SELECT `+sqlrow.RecordColumns+` FROM connections
			WHERE namespace = $1 AND type = $`+strconv.Itoa(len(args))+` AND id > $2 ORDER BY id LIMIT $3)`)
	}
	q := `SELECT * FROM (` + strings.Join(branches, ` UNION ALL `) + `) AS t ORDER BY id LIMIT $4 OFFSET $5`
	return queryRecords(ctx, op, db.pool, q, args...)
}

// queryRecords runs a query selecting sqlrow.RecordColumns.
func queryRecords(ctx context.Context, op string, q querier, query string, args ...any) ([]*tether.Record, error) {
	return queryAll(ctx, op, q, sqlrow.Record[times], query, args...)
}

// CreateRecord inserts r as is; ECONFLICT if (r.Namespace, r.ID) exists.
func (db *DB) CreateRecord(ctx context.Context, r *tether.Record) error {
	const op = "postgres.CreateRecord"
	_, err := db.pool.Exec(ctx, `INSERT INTO connections (`+sqlrow.RecordColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, sqlrow.RecordValues[times](r)...)
	if isUnique(err) {
		return tether.ConnectionExists(op, r.ID)
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
				version = $8, created_at = $9, updated_at = $10, last_test = $11, last_test_at = $12,
				expires_at = $13, expiry_what = $14
			WHERE namespace = $1 AND id = $2 AND version = $15
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM updated),
			EXISTS (SELECT 1 FROM connections WHERE namespace = $1 AND id = $2)`,
		append(sqlrow.RecordValues[times](r), expectedVersion)...).Scan(&updated, &found)
	switch {
	case err != nil:
		return storeErr(ctx, op, err)
	case updated:
		return nil
	case !found:
		return tether.ConnectionNotFound(op, r.ID)
	}
	return tether.ConnectionChanged(op, r.ID, expectedVersion)
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
			return tether.VitalUndeletable(op, id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM connections WHERE namespace = $1 AND id = $2`, ns, id)
		return storeErr(ctx, op, err)
	})
}
