package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tether-ml/tether"
)

// CreateToken stores t; ECONFLICT if its ID or Hash exists. Messages never
// include the hash.
func (db *DB) CreateToken(ctx context.Context, t *tether.Token) error {
	const op = "sqlite.CreateToken"
	var expires any
	if t.ExpiresAt != nil {
		expires = toMicros(*t.ExpiresAt)
	}
	_, err := db.write.ExecContext(ctx, `INSERT INTO tokens (id, hash, subject, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, t.ID, nonNil(t.Hash), t.Subject, toMicros(t.CreatedAt), expires)
	if isUnique(err) {
		return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: "token already exists"}
	}
	return storeErr(ctx, op, err)
}

// TokenByHash returns the token with that hash, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*tether.Token, error) {
	const op = "sqlite.TokenByHash"
	var t tether.Token
	var created int64
	var expires sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT id, hash, subject, created_at, expires_at
		FROM tokens WHERE hash = ?`, nonNil(hash)).Scan(&t.ID, &t.Hash, &t.Subject, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: "token not found"}
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	t.CreatedAt = fromMicros(created)
	if expires.Valid {
		e := fromMicros(expires.Int64)
		t.ExpiresAt = &e
	}
	return &t, nil
}

// CountTokens reports how many tokens exist.
func (db *DB) CountTokens(ctx context.Context) (int, error) {
	const op = "sqlite.CountTokens"
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens`).Scan(&n); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return n, nil
}
