package sqlrow

import "github.com/tether-ml/tether"

// TokenColumns are the columns of the tokens table that Token reads and
// TokenValues binds, in their order.
const TokenColumns = `id, hash, subject, created_at, expires_at`

// Token reads one row of TokenColumns.
func Token[T Times](s Scanner) (*tether.Token, error) {
	var tm T
	var t tether.Token
	if err := s.Scan(&t.ID, &t.Hash, &t.Subject, tm.Dest(&t.CreatedAt), tm.NullDest(&t.ExpiresAt)); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), utc(t.ExpiresAt)
	return &t, nil
}

// TokenValues returns t's values in TokenColumns order.
func TokenValues[T Times](t *tether.Token) []any {
	var tm T
	return []any{t.ID, NonNil(t.Hash), t.Subject, tm.Value(t.CreatedAt), tm.NullValue(t.ExpiresAt)}
}
