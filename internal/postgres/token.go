package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// insertToken is the statement that stores a token; a suffix such as
// ON CONFLICT DO NOTHING may follow it.
const insertToken = `INSERT INTO tokens (` + sqlrow.TokenColumns + `) VALUES ($1, $2, $3, $4, $5)`

// CreateToken stores t; ECONFLICT if its ID or Hash exists. Messages never
// include the hash.
func (db *DB) CreateToken(ctx context.Context, t *tether.Token) error {
	const op = "postgres.CreateToken"
	_, err := db.pool.Exec(ctx, insertToken, sqlrow.TokenValues[times](t)...)
	if isUnique(err) {
		return tether.TokenExists(op)
	}
	return storeErr(ctx, op, err)
}

// TokenByHash returns the token with that hash, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*tether.Token, error) {
	const op = "postgres.TokenByHash"
	row := db.pool.QueryRow(ctx, `SELECT `+sqlrow.TokenColumns+` FROM tokens WHERE hash = $1`, sqlrow.NonNil(hash))
	t, err := sqlrow.Token[times](row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, tether.TokenHashNotFound(op)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return t, nil
}

// CountTokens reports how many tokens exist.
func (db *DB) CountTokens(ctx context.Context) (int, error) {
	return count(ctx, "postgres.CountTokens", db.pool, `SELECT COUNT(*) FROM tokens`)
}

// queryTokens reads every token through q, in id order.
func queryTokens(ctx context.Context, op string, q querier) ([]*tether.Token, error) {
	return queryAll(ctx, op, q, sqlrow.Token[times], `SELECT `+sqlrow.TokenColumns+` FROM tokens ORDER BY id`)
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
		return tether.TokenNotFound(op, id)
	}
	return nil
}
