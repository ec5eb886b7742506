package sqlrow_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// textTimes keeps time columns as RFC 3339 text: a codec of sqlrow.Times
// that is neither store's, so that the tests see the functions call it.
type textTimes struct{}

func (textTimes) Dest(t *time.Time) any      { return (*textTime)(t) }
func (textTimes) NullDest(t **time.Time) any { return nullTextTime{t} }
func (textTimes) Value(t time.Time) any      { return t.Format(time.RFC3339Nano) }
func (textTimes) NullValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.RFC3339Nano)
}

type textTime time.Time

func (t *textTime) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("time column holds %T", src)
	}
	p, err := time.Parse(time.RFC3339Nano, s)
	*t = textTime(p)
	return err
}

type nullTextTime struct{ t **time.Time }

func (n nullTextTime) Scan(src any) error {
	if src == nil {
		*n.t = nil
		return nil
	}
	var t time.Time
	if err := (*textTime)(&t).Scan(src); err != nil {
		return err
	}
	*n.t = &t
	return nil
}

// openDB opens a fresh SQLite database holding the given statements' tables.
func openDB(t *testing.T, stmts ...string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "rows.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}

// query runs q on db and closes its rows when the test ends.
func query(t *testing.T, db *sql.DB, q string, args ...any) *sql.Rows {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rows.Close() })
	return rows
}
