package sqlite

import (
	"context"
	"database/sql"
	"iter"

	"github.com/tether-ml/tether/internal/sqlrow"
)

// querier is what a *sql.DB and a *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execer is what a *sql.DB and a *sql.Tx share for writes.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// queryAll runs query through q and reads every row with scan.
func queryAll[T any](ctx context.Context, op string, q querier, scan sqlrow.Func[T], query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, storeErr(ctx, op, err)
	}
	defer rows.Close()
	out, err := sqlrow.Collect(rows, scan)
	return out, storeErr(ctx, op, err)
}

// queryEach returns the rows of query through q, read with scan, as a
// sequence that runs the query when iterated.
func queryEach[T any](ctx context.Context, op string, q querier, scan sqlrow.Func[T], query string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			yield(zero, storeErr(ctx, op, err))
			return
		}
		defer rows.Close()
		if err := sqlrow.Yield(rows, scan, yield); err != nil {
			yield(zero, storeErr(ctx, op, err))
		}
	}
}

// count runs query, which selects one count, through q.
func count(ctx context.Context, op string, q querier, query string, args ...any) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, storeErr(ctx, op, err)
	}
	return n, nil
}
