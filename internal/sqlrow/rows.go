package sqlrow

import "strings"

// Scanner is one row: a *sql.Row or *sql.Rows, a pgx.Row or pgx.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Rows is a result set being read, as *sql.Rows and pgx.Rows both are.
// Closing it stays with the caller, whose driver says how.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Func reads one row into a value.
type Func[T any] func(Scanner) (T, error)

// Collect reads every row of rows with scan. It returns an empty, not nil,
// slice for no rows, and nil with the first error of a scan or of the
// result set, as the driver gave it: the caller names the operation.
func Collect[T any](rows Rows, scan Func[T]) ([]T, error) {
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Yield passes every row of rows, read with scan, to yield, as an iterator
// does, and stops when yield returns false. It returns the first error of
// a scan or of the result set, which yield has not seen (the caller yields
// it, named for its operation), or nil when the rows ran out or yield
// stopped.
func Yield[T any](rows Rows, scan Func[T], yield func(T, error) bool) error {
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		if !yield(v, nil) {
			return nil
		}
	}
	return rows.Err()
}

// KeyCheckColumns are the columns KeyChecks reads, in its order.
const KeyCheckColumns = `key_id, sealed`

// KeyChecks reads rows of KeyCheckColumns into a map by key id.
func KeyChecks(rows Rows) (map[string][]byte, error) {
	out := map[string][]byte{}
	for rows.Next() {
		var keyID string
		var sealed []byte
		if err := rows.Scan(&keyID, &sealed); err != nil {
			return nil, err
		}
		out[keyID] = sealed
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// NonNil returns b, or an empty slice for nil, for NOT NULL byte columns.
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Blob binds b as a byte column, and a nil b as SQL NULL.
func Blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// ColumnNames returns the names of a column list such as RecordColumns,
// as COPY takes them.
func ColumnNames(columns string) []string {
	return strings.Split(strings.ReplaceAll(columns, " ", ""), ",")
}
