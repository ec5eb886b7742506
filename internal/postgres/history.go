package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

var _ tether.History = (*DB)(nil)

// ListVersions returns versions of (ns, id), newest first, below before
// when before > 0: one range scan of the primary key.
func (db *DB) ListVersions(ctx context.Context, ns, id string, before int64, limit int) ([]*tether.Record, error) {
	const op = "postgres.ListVersions"
	if err := tether.CheckHistoryPage(op, before, limit); err != nil {
		return nil, err
	}
	if before == 0 {
		before = 1<<63 - 1
	}
	return queryAll(ctx, op, db.pool, sqlrow.Version[times], `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions WHERE namespace = $1 AND id = $2 AND version < $3
		ORDER BY version DESC LIMIT $4`, ns, id, before, limit)
}

// GetVersion returns one version of (ns, id), or ENOTFOUND.
func (db *DB) GetVersion(ctx context.Context, ns, id string, version int64) (*tether.Record, error) {
	const op = "postgres.GetVersion"
	r, err := sqlrow.Version[times](db.pool.QueryRow(ctx, `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions WHERE namespace = $1 AND id = $2 AND version = $3`, ns, id, version))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tether.VersionNotFound(op, id, version)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return r, nil
}

// VersionsNotWrappedBy returns up to limit versions holding sealed values
// not wrapped by keyID, in (namespace, id, version) order after the cursor.
func (db *DB) VersionsNotWrappedBy(ctx context.Context, keyID string, after tether.VersionKey, limit int) ([]*tether.Record, error) {
	const op = "postgres.VersionsNotWrappedBy"
	if limit <= 0 {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: "the limit must be positive"}
	}
	return queryAll(ctx, op, db.pool, sqlrow.Version[times], `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions WHERE sealed IS NOT NULL AND key_id <> $1
		AND (namespace, id, version) > ($2, $3, $4) ORDER BY namespace, id, version LIMIT $5`,
		keyID, after.Namespace, after.ID, after.Version, limit)
}

// RewrapVersion replaces the sealed values and key id of a kept version.
func (db *DB) RewrapVersion(ctx context.Context, ns, id string, version int64, sealed []byte, keyID string) (bool, error) {
	const op = "postgres.RewrapVersion"
	tag, err := db.pool.Exec(ctx, `UPDATE connection_versions SET sealed = $1, key_id = $2
		WHERE namespace = $3 AND id = $4 AND version = $5`, sqlrow.Blob(sealed), keyID, ns, id, version)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return tag.RowsAffected() == 1, nil
}

// setHistoryKeep makes the history keep the last keep versions of each
// connection; 0 leaves the setting as stored.
func (db *DB) setHistoryKeep(ctx context.Context, keep int) error {
	if keep == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `UPDATE history_settings SET keep = $1`, keep)
	return storeErr(ctx, "postgres.Open", err)
}

// importVersions inserts the versions of a dump that belong to a record
// it holds and fall within the history kept; the live versions, which the
// records' trigger wrote, stay as they are.
func importVersions(ctx context.Context, op string, tx pgx.Tx, versions iter.Seq2[*tether.Record, error]) error {
	const q = `INSERT INTO connection_versions (` + sqlrow.VersionColumns + `)
		SELECT $1::text, $2::text, $3::bigint, $4::text, $5::boolean, $6::bytea, $7::bytea, $8::text,
			$9::timestamptz, $10::timestamptz FROM connections c
		WHERE c.namespace = $1 AND c.id = $2 AND $3 <= c.version
		AND $3 > c.version - (SELECT keep FROM history_settings)
		ON CONFLICT (namespace, id, version) DO NOTHING`
	// The records were written in this transaction: without statistics the
	// planner could scan them for every version instead of using the key.
	if _, err := tx.Exec(ctx, `ANALYZE connections`); err != nil {
		return storeErr(ctx, op, err)
	}
	b := &pgx.Batch{}
	for r, err := range versions {
		if err != nil {
			return err
		}
		b.Queue(q, sqlrow.VersionValues[times](r)...)
		if b.Len() == 500 {
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return storeErr(ctx, op, err)
			}
			b = &pgx.Batch{}
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return storeErr(ctx, op, tx.SendBatch(ctx, b).Close())
}
