package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// auditLockClass is the first key of the advisory lock that serialises
// appends to the audit log ("audt" in ASCII); the second is a hash of the
// schema, as for migrateLockClass.
const auditLockClass int32 = 0x61756474

// AppendAudit stores the events in one transaction and sets their ids.
//
// An identity column alone gives increasing ids, but not in commit order:
// of two replicas appending at once, the one that drew the smaller id may
// commit last, and a reader paging by AfterID in between would skip its
// event for good. Appends therefore take a transaction-scoped advisory lock
// first, so each one draws its id after the previous append committed. (A
// table lock would do the same, but would also wait for autovacuum.)
func (db *DB) AppendAudit(ctx context.Context, events ...*tether.AuditEvent) error {
	const op = "postgres.AppendAudit"
	return db.inTx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), '')))`,
			auditLockClass); err != nil {
			return storeErr(ctx, op, err)
		}
		// One round trip for the whole group: the inserts are pipelined.
		b := &pgx.Batch{}
		for _, e := range events {
			b.Queue(`INSERT INTO audit_events
				(`+sqlrow.AuditInsertColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, sqlrow.AuditValues[times](e)...).
				QueryRow(func(row pgx.Row) error { return row.Scan(&e.ID) })
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return storeErr(ctx, op, err)
		}
		return nil
	})
}

// ListAudit returns the events matching f, oldest (lowest id) first; see
// tether.AuditFilter. EINVALID for a negative limit.
func (db *DB) ListAudit(ctx context.Context, f tether.AuditFilter) ([]*tether.AuditEvent, error) {
	const op = "postgres.ListAudit"
	if err := f.Check(op); err != nil {
		return nil, err
	}
	where, args := auditWhere(f)
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	args = append(args, limit)
	return queryAll(ctx, op, db.pool, sqlrow.AuditEvent[times], `SELECT `+sqlrow.AuditColumns+` FROM audit_events
		WHERE `+where+` ORDER BY id LIMIT $`+strconv.Itoa(len(args)), args...)
}

// auditWhere returns the condition selecting f's events and its arguments,
// numbered from $1. A zero field adds no condition.
func auditWhere(f tether.AuditFilter) (string, []any) {
	args := []any{f.AfterID}
	conds := []string{`id > $1`}
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+strconv.Itoa(len(args)))
	}
	if f.Namespace != "" {
		add(`namespace = $`, f.Namespace)
	}
	if f.Connection != "" {
		add(`connection = $`, f.Connection)
	}
	if actions := f.DistinctActions(); len(actions) > 0 {
		add(`action = ANY($`, actions)
		conds[len(conds)-1] += `)`
	}
	if !f.Since.IsZero() {
		add(`time >= $`, f.Since)
	}
	return strings.Join(conds, ` AND `), args
}

// DeleteAuditBefore deletes up to limit events older than t, oldest first,
// in one statement, and reports how many it deleted. Replicas that run it
// at once delete disjoint or overlapping batches; either way every old
// event goes, and none other.
func (db *DB) DeleteAuditBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	const op = "postgres.DeleteAuditBefore"
	if err := tether.CheckAuditBatch(op, limit); err != nil {
		return 0, err
	}
	tag, err := db.pool.Exec(ctx, `DELETE FROM audit_events WHERE id IN (
		SELECT id FROM audit_events WHERE time < $1 ORDER BY time LIMIT $2)`, t, limit)
	if err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return int(tag.RowsAffected()), nil
}
