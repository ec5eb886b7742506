package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"iter"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

var _ tether.History = (*DB)(nil)

// ListVersions returns versions of (ns, id), newest first, below before
// when before > 0: one range scan of the primary key.
func (db *DB) ListVersions(ctx context.Context, ns, id string, before int64, limit int) ([]*tether.Record, error) {
	const op = "sqlite.ListVersions"
	if err := tether.CheckHistoryPage(op, before, limit); err != nil {
		return nil, err
	}
	if before == 0 {
		before = 1<<63 - 1
	}
	return queryAll(ctx, op, db.read, sqlrow.Version[times], `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions WHERE namespace = ? AND id = ? AND version < ?
		ORDER BY version DESC LIMIT ?`, ns, id, before, limit)
}

// GetVersion returns one version of (ns, id), or ENOTFOUND.
func (db *DB) GetVersion(ctx context.Context, ns, id string, version int64) (*tether.Record, error) {
	const op = "sqlite.GetVersion"
	r, err := sqlrow.Version[times](db.read.QueryRowContext(ctx, `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions WHERE namespace = ? AND id = ? AND version = ?`, ns, id, version))
	if errors.Is(err, sql.ErrNoRows) {
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
	const op = "sqlite.VersionsNotWrappedBy"
	if limit <= 0 {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: "the limit must be positive"}
	}
	return queryAll(ctx, op, db.read, sqlrow.Version[times], `SELECT `+sqlrow.VersionColumns+`
		FROM connection_versions WHERE sealed IS NOT NULL AND key_id <> ?
		AND (namespace, id, version) > (?, ?, ?) ORDER BY namespace, id, version LIMIT ?`,
		keyID, after.Namespace, after.ID, after.Version, limit)
}

// RewrapVersion replaces the sealed values and key id of a kept version.
func (db *DB) RewrapVersion(ctx context.Context, ns, id string, version int64, sealed []byte, keyID string) (bool, error) {
	const op = "sqlite.RewrapVersion"
	res, err := db.write.ExecContext(ctx, `UPDATE connection_versions SET sealed = ?, key_id = ?
		WHERE namespace = ? AND id = ? AND version = ?`, sqlrow.Blob(sealed), keyID, ns, id, version)
	n, err := affected(res, err)
	if err != nil {
		return false, storeErr(ctx, op, err)
	}
	return n == 1, nil
}

// setHistoryKeep makes the history keep the last keep versions of each
// connection; 0 leaves the setting as stored.
func setHistoryKeep(ctx context.Context, e execer, keep int) error {
	if keep == 0 {
		return nil
	}
	_, err := e.ExecContext(ctx, `UPDATE history_settings SET keep = ?`, keep)
	return storeErr(ctx, "sqlite.Open", err)
}

// importVersions inserts the versions of a dump that belong to a record
// it holds and fall within the history kept; the live versions, which the
// records' trigger wrote, stay as they are.
func importVersions(ctx context.Context, op string, tx *sql.Tx, versions iter.Seq2[*tether.Record, error]) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO connection_versions (`+sqlrow.VersionColumns+`)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM connections c WHERE c.namespace = ?1 AND c.id = ?2
		AND ?3 <= c.version AND ?3 > c.version - (SELECT keep FROM history_settings)`)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	defer stmt.Close()
	for r, err := range versions {
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, sqlrow.VersionValues[times](r)...); err != nil {
			return storeErr(ctx, op, err)
		}
	}
	return nil
}
