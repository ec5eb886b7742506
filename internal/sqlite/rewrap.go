package sqlite

import (
	"context"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// RewrapRecord replaces Sealed and KeyID of the record (ns, id) if its
// version is still version, leaving its version and timestamps alone: a
// rewrap changes how a secret is stored, not the connection. It reports
// false, without error, if the record changed or disappeared meanwhile; key
// rotation then picks the record up again on its next pass.
func (db *DB) RewrapRecord(ctx context.Context, ns, id string, version int64, sealed []byte, keyID string) (bool, error) {
	const op = "sqlite.RewrapRecord"
	defer db.cache.forget(ns, id)
	res, err := db.write.ExecContext(ctx, `UPDATE connections SET sealed = ?, key_id = ?
		WHERE namespace = ? AND id = ? AND version = ?`, sqlrow.Blob(sealed), keyID, ns, id, version)
	n, err := affected(res, err)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return n == 1, nil
}

// notWrappedBy is the condition shared by RecordsNotWrappedBy and its count:
// records holding sealed values wrapped by a key other than the one given.
const notWrappedBy = `sealed IS NOT NULL AND key_id <> ?`

// RecordsNotWrappedBy returns up to limit records (all if limit <= 0) that
// hold sealed values not wrapped by keyID, in (namespace, id) order after the
// cursor (afterNS, afterID). Passing the last record's (namespace, id) as the
// next cursor walks every such record once, even while others are rewrapped.
func (db *DB) RecordsNotWrappedBy(ctx context.Context, keyID, afterNS, afterID string, limit int) ([]*tether.Record, error) {
	const op = "sqlite.RecordsNotWrappedBy"
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return db.queryRecords(ctx, op, `SELECT `+sqlrow.RecordColumns+` FROM connections
		WHERE `+notWrappedBy+` AND (namespace, id) > (?, ?)
		ORDER BY namespace, id LIMIT ?`, keyID, afterNS, afterID, limit)
}

// CountRecordsNotWrappedBy counts the records RecordsNotWrappedBy walks.
func (db *DB) CountRecordsNotWrappedBy(ctx context.Context, keyID string) (int, error) {
	const op = "sqlite.CountRecordsNotWrappedBy"
	return count(ctx, op, db.read, `SELECT COUNT(*) FROM connections WHERE `+notWrappedBy, keyID)
}
