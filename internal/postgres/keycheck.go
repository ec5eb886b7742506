package postgres

import (
	"context"

	"github.com/tether-ml/tether/internal/sqlrow"
)

// KeyChecks returns, by key id, the check values sealed with each key, which
// prove at start-up that the keyring can open this database's data.
func (db *DB) KeyChecks(ctx context.Context) (map[string][]byte, error) {
	return queryKeyChecks(ctx, "postgres.KeyChecks", db.pool)
}

// queryKeyChecks reads every key check through q.
func queryKeyChecks(ctx context.Context, op string, q querier) (map[string][]byte, error) {
	rows, err := q.Query(ctx, `SELECT `+sqlrow.KeyCheckColumns+` FROM key_checks`)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out, err := sqlrow.KeyChecks(rows)
	return out, storeErr(ctx, op, err)
}

// PutKeyCheck records the check value sealed with keyID, replacing any
// previous one for that key. A server records one for each new primary key
// (at its first start, and when it rotates the keys), so the same statement
// notifies keyChannel with keyID on commit: the other replicas then follow
// the new primary at once (see WatchChangesAndKeys).
func (db *DB) PutKeyCheck(ctx context.Context, keyID string, sealed []byte) error {
	const op = "postgres.PutKeyCheck"
	_, err := db.pool.Exec(ctx, `WITH put AS (
			INSERT INTO key_checks (key_id, sealed) VALUES ($1, $2)
			ON CONFLICT (key_id) DO UPDATE SET sealed = EXCLUDED.sealed
			RETURNING key_id)
		SELECT pg_notify('`+keyChannel+`', key_id) FROM put`, keyID, sqlrow.NonNil(sealed))
	return storeErr(ctx, op, err)
}
