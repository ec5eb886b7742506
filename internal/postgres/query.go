package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// times keeps time columns as timestamptz, which pgx reads and binds as
// time.Time (to the microsecond); see sqlrow.Times.
type times struct{}

// Dest implements sqlrow.Times.
func (times) Dest(t *time.Time) any { return t }

// NullDest implements sqlrow.Times.
func (times) NullDest(t **time.Time) any { return t }

// Value implements sqlrow.Times.
func (times) Value(t time.Time) any { return t }

// NullValue implements sqlrow.Times: a nil t binds NULL.
func (times) NullValue(t *time.Time) any { return t }

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queryAll runs query through q and reads every row with scan.
func queryAll[T any](ctx context.Context, op string, q querier, scan sqlrow.Func[T], query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out, err := sqlrow.Collect(rows, scan)
	return out, storeErr(ctx, op, err)
}

// count runs query, which selects one count, through q.
func count(ctx context.Context, op string, q querier, query string, args ...any) (int, error) {
	var n int
	if err := q.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return n, nil
}
