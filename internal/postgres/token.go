package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
)

// tokenColumns are the columns scanToken reads, in its order.
const tokenColumns = `id, hash, subject, created_at, expires_at`

// insertToken is the statement that stores a token; a suffix such as
// ON CONFLICT DO NOTHING may follow it.
const insertToken = `INSERT INTO tokens (` + tokenColumns + `) VALUES ($1, $2, $3, $4, $5)`

// tokenValues returns t's values in tokenColumns order.
func tokenValues(t *tether.Token) []any {
	return []any{t.ID, nonNil(t.Hash), t.Subject, t.CreatedAt, t.ExpiresAt}
}

// scanToken reads one row of tokenColumns, with times in UTC.
func scanToken(s scanner) (*tether.Token, error) {
	var t tether.Token
	if err := s.Scan(&t.ID, &t.Hash, &t.Subject, &t.CreatedAt, &t.ExpiresAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), utc(t.ExpiresAt)
	return &t, nil
}

// CreateToken stores t; ECONFLICT if its ID or Hash exists. Messages never
// include the hash.
func (db *DB) CreateToken(ctx context.Context, t *tether.Token) error {
	const op = "postgres.CreateToken"
	_, err := db.pool.Exec(ctx, insertToken, tokenValues(t)...)
	if isUnique(err) {
		return &tether.Error{Code: tether.ECONFLICT, Op: op, Message: "token already exists"}
	}
	return storeErr(ctx, op, err)
}

// TokenByHash returns the token with that hash, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*tether.Token, error) {
	const op = "postgres.TokenByHash"
	row := db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, nonNil(hash))
	t, err := scanToken(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: "token not found"}
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return t, nil
}

// CountTokens reports how many tokens exist.
func (db *DB) CountTokens(ctx context.Context) (int, error) {
	const op = "postgres.CountTokens"
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM tokens`).Scan(&n); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return n, nil
}

// queryTokens reads every token through q, in id order.
func queryTokens(ctx context.Context, op string, q querier) ([]*tether.Token, error) {
	rows, err := q.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
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

// ListTokens returns every token, ordered by id.
func (db *DB) ListTokens(ctx context.Context) ([]*tether.Token, error) {
	return queryTokens(ctx, "postgres.ListTokens", db.pool)
}

// DeleteToken removes the token with that id; ENOTFOUND if absent.
func (db *DB) DeleteToken(ctx context.Context, id string) error {
	const op = "postgres.DeleteToken"
	tag, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE id = $1`, id)
	if err != nil {
		return storeErr(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: fmt.Sprintf("token %q not found", id)}
	}
	return nil
}
