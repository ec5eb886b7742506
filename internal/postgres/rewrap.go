package postgres

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
	const op = "postgres.RewrapRecord"
	tag, err := db.pool.Exec(ctx, `UPDATE connections SET sealed = $1, key_id = $2
		WHERE namespace = $3 AND id = $4 AND version = $5`, sqlrow.Blob(sealed), keyID, ns, id, version)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return tag.RowsAffected() == 1, nil
}

// notWrappedBy is the condition shared by RecordsNotWrappedBy and its count:
// records holding sealed values wrapped by a key other than $1.
const notWrappedBy = `sealed IS NOT NULL AND key_id <> $1`

// RecordsNotWrappedBy returns up to limit records (all if limit <= 0) that
// hold sealed values not wrapped by keyID, in (namespace, id) order after the
// cursor (afterNS, afterID). Passing the last record's (namespace, id) as the
// next cursor walks every such record once, even while others are rewrapped.
// The row comparison uses the columns' "C" collation, so the cursor follows
// the primary key's order.
func (db *DB) RecordsNotWrappedBy(ctx context.Context, keyID, afterNS, afterID string, limit int) ([]*tether.Record, error) {
	const op = "postgres.RecordsNotWrappedBy"
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	return queryRecords(ctx, op, db.pool, `SELECT `+sqlrow.RecordColumns+` FROM connections
		WHERE `+notWrappedBy+` AND (namespace, id) > ($2, $3)
		ORDER BY namespace, id LIMIT $4`, keyID, afterNS, afterID, lim)
}

// CountRecordsNotWrappedBy counts the records RecordsNotWrappedBy walks.
func (db *DB) CountRecordsNotWrappedBy(ctx context.Context, keyID string) (int, error) {
	const op = "postgres.CountRecordsNotWrappedBy"
	return count(ctx, op, db.pool, `SELECT COUNT(*) FROM connections WHERE `+notWrappedBy, keyID)
}
