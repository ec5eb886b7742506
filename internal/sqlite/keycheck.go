package sqlite

import (
	"context"

	"github.com/tether-ml/tether/internal/sqlrow"
)

// KeyChecks returns, by key id, the check values sealed with each key, which
// prove at start-up that the keyring can open this database's data.
func (db *DB) KeyChecks(ctx context.Context) (map[string][]byte, error) {
	return queryKeyChecks(ctx, "sqlite.KeyChecks", db.read)
}

func queryKeyChecks(ctx context.Context, op string, q querier) (map[string][]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+sqlrow.KeyCheckColumns+` FROM key_checks`)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out, err := sqlrow.KeyChecks(rows)
	return out, storeErr(ctx, op, err)
}

// PutKeyCheck records the check value sealed with keyID, replacing any
// previous one for that key.
func (db *DB) PutKeyCheck(ctx context.Context, keyID string, sealed []byte) error {
	const op = "sqlite.PutKeyCheck"
	_, err := db.write.ExecContext(ctx, `INSERT INTO key_checks (key_id, sealed) VALUES (?, ?)
		ON CONFLICT (key_id) DO UPDATE SET sealed = excluded.sealed`, keyID, sqlrow.NonNil(sealed))
	return storeErr(ctx, op, err)
}
