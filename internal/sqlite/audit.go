package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// AppendAudit stores the events in one transaction and sets their ids.
// Ids come from an AUTOINCREMENT key and every write goes through one
// transaction at a time, so each event's id is greater than that of every
// event committed before it, and a reader paging by AfterID never skips
// one.
//
// Up to maxAuditRows events are one multi-row INSERT, a statement prepared
// once per row count and run in autocommit: a reveal's event costs no
// BEGIN or COMMIT to parse, and no statement of its own. More take a
// transaction of such INSERTs.
func (db *DB) AppendAudit(ctx context.Context, events ...*tether.AuditEvent) error {
	const op = "sqlite.AppendAudit"
	if len(events) == 0 {
		return nil
	}
	if len(events) <= maxAuditRows {
		stmt, err := db.auditInserts.get(ctx, len(events))
		if err != nil {
			return storeErr(ctx, op, err)
		}
		return insertAudit(ctx, op, stmt, events)
	}
	return db.inTx(ctx, op, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(events, maxAuditRows) {
			// Prepared on tx's connection: the writer pool has no other.
			stmt, err := tx.PrepareContext(ctx, auditInsertSQL(len(chunk)))
			if err != nil {
				return storeErr(ctx, op, err)
			}
			err = insertAudit(ctx, op, stmt, chunk)
			_ = stmt.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// insertAudit runs stmt, an INSERT of len(events) rows, and sets the
// events' ids. AUTOINCREMENT gives the rows of one INSERT consecutive ids
// in the order of its VALUES (each row takes the largest id ever used plus
// one, and the one writer connection lets nothing in between), so the last
// row's id gives every other's.
func insertAudit(ctx context.Context, op string, stmt *sql.Stmt, events []*tether.AuditEvent) error {
	args := make([]any, 0, auditInsertColumns*len(events))
	for _, e := range events {
		args = append(args, sqlrow.AuditValues[times](e)...)
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	last, err := res.LastInsertId()
	if err != nil {
		return storeErr(ctx, op, err)
	}
	for i, e := range events {
		e.ID = last - int64(len(events)-1-i)
	}
	return nil
}

// ListAudit returns the events matching f, oldest (lowest id) first; see
// tether.AuditFilter. EINVALID for a negative limit.
func (db *DB) ListAudit(ctx context.Context, f tether.AuditFilter) ([]*tether.AuditEvent, error) {
	const op = "sqlite.ListAudit"
	if err := f.Check(op); err != nil {
		return nil, err
	}
	where, args := auditWhere(f)
	limit := int64(f.Limit)
	if limit == 0 {
		limit = -1 // SQLite: no limit
	}
	return queryAll(ctx, op, db.read, sqlrow.AuditEvent[times], `SELECT `+sqlrow.AuditColumns+` FROM `+auditSource(f)+`
		WHERE `+where+` ORDER BY id LIMIT ?`, append(args, limit)...)
}

// auditSource is where ListAudit reads f's events from. With a time, the
// range of the time-led index, whose entries also hold the namespace and
// connection to filter on: SQLite, which has no statistics to go by, would
// rather walk the log in id order (no sort), reading every event since the
// first. Without one, the log itself.
func auditSource(f tether.AuditFilter) string {
	if f.Since.IsZero() {
		return `audit_events`
	}
	return `audit_events INDEXED BY audit_events_time_namespace_connection`
}

// auditWhere returns the condition selecting f's events and its arguments.
// A zero field adds no condition.
func auditWhere(f tether.AuditFilter) (string, []any) {
	conds := []string{`id > ?`}
	args := []any{f.AfterID}
	if f.Namespace != "" {
		conds, args = append(conds, `namespace = ?`), append(args, f.Namespace)
	}
	if f.Connection != "" {
		conds, args = append(conds, `connection = ?`), append(args, f.Connection)
	}
	if actions := f.DistinctActions(); len(actions) > 0 {
		conds = append(conds, `action IN (?`+strings.Repeat(`, ?`, len(actions)-1)+`)`)
		for _, a := range actions {
			args = append(args, a)
		}
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, `time >= ?`), append(args, toMicros(f.Since))
	}
	return strings.Join(conds, ` AND `), args
}
