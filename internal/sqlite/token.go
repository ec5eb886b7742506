package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tether-ml/tether"
)

// CreateToken stores t; ECONFLICT if its ID or Hash exists. Messages never
// include the hash.
func (db *DB) CreateToken(ctx context.Context, t *tether.Token) error {
	const op = "sqlite.CreateToken"
	err := insertToken(ctx, db.write, t, "")
	if isUnique(err) {
		return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: "token already exists"}
	}
	return storeErr(ctx, op, err)
}

// execer is what a *sql.DB and a *sql.Tx share for writes.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertToken inserts t; onConflict is "" or an ON CONFLICT clause.
func insertToken(ctx context.Context, e execer, t *tether.Token, onConflict string) error {
	var expires any
	if t.ExpiresAt != nil {
		expires = toMicros(*t.ExpiresAt)
	}
	_, err := e.ExecContext(ctx, `INSERT INTO tokens (id, hash, subject, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?) `+onConflict, t.ID, nonNil(t.Hash), t.Subject, toMicros(t.CreatedAt), expires)
	return err
}

// queryTokens returns every token, in id order.
func queryTokens(ctx context.Context, op string, q querier) ([]*tether.Token, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, hash, subject, created_at, expires_at FROM tokens ORDER BY id`)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out := []*tether.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, storeErr(ctx, op, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return out, nil
}

// scanToken reads one row of id, hash, subject, created_at, expires_at.
func scanToken(s scanner) (*tether.Token, error) {
	var t tether.Token
	var created int64
	var expires sql.NullInt64
	if err := s.Scan(&t.ID, &t.Hash, &t.Subject, &created, &expires); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(created)
	if expires.Valid {
		e := fromMicros(expires.Int64)
		t.ExpiresAt = &e
	}
	return &t, nil
}

// TokenByHash returns the token with that hash, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*tether.Token, error) {
	const op = "sqlite.TokenByHash"
	t, err := scanToken(db.read.QueryRowContext(ctx, `SELECT id, hash, subject, created_at, expires_at
		FROM tokens WHERE hash = ?`, nonNil(hash)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: "token not found"}
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return t, nil
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

// ListTokens returns every token, ordered by id.
func (db *DB) ListTokens(ctx context.Context) ([]*tether.Token, error) {
	return queryTokens(ctx, "sqlite.ListTokens", db.read)
}

// DeleteToken removes the token with that id; ENOTFOUND if absent.
func (db *DB) DeleteToken(ctx context.Context, id string) error {
	const op = "sqlite.DeleteToken"
	res, err := db.write.ExecContext(ctx, `DELETE FROM tokens WHERE id = ?`, id)
	n, err := affected(res, err)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if n == 0 {
		return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: fmt.Sprintf("token %q not found", id)}
	}
	return nil
}
