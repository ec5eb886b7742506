package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// CreateToken stores t; ECONFLICT if its ID or Hash exists. Messages never
// include the hash.
func (db *DB) CreateToken(ctx context.Context, t *tether.Token) error {
	const op = "sqlite.CreateToken"
	err := insertToken(ctx, db.write, t, "")
	if isUnique(err) {
		return tether.TokenExists(op)
	}
	return storeErr(ctx, op, err)
}

// insertToken inserts t; onConflict is "" or an ON CONFLICT clause.
func insertToken(ctx context.Context, e execer, t *tether.Token, onConflict string) error {
	_, err := e.ExecContext(ctx, `INSERT INTO tokens (`+sqlrow.TokenColumns+`)
		VALUES (?, ?, ?, ?, ?) `+onConflict, sqlrow.TokenValues[times](t)...)
	return err
}

// queryTokens returns every token, in id order.
func queryTokens(ctx context.Context, op string, q querier) ([]*tether.Token, error) {
	return queryAll(ctx, op, q, sqlrow.Token[times], `SELECT `+sqlrow.TokenColumns+` FROM tokens ORDER BY id`)
}

// TokenByHash returns the token with that hash, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*tether.Token, error) {
	const op = "sqlite.TokenByHash"
	t, err := sqlrow.Token[times](db.read.QueryRowContext(ctx, `SELECT `+sqlrow.TokenColumns+`
		FROM tokens WHERE hash = ?`, sqlrow.NonNil(hash)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tether.TokenHashNotFound(op)
	}
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	return t, nil
}

// CountTokens reports how many tokens exist.
func (db *DB) CountTokens(ctx context.Context) (int, error) {
	return count(ctx, "sqlite.CountTokens", db.read, `SELECT COUNT(*) FROM tokens`)
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
		return tether.TokenNotFound(op, id)
	}
	return nil
}
