package sqlite

import (
	"database/sql"
	"errors"
	"time"
)

// times keeps time columns as Unix microseconds (UTC); see sqlrow.Times.
// Unlike nanoseconds, microseconds cover the zero time.Time too.
type times struct{}

// Dest implements sqlrow.Times.
func (times) Dest(t *time.Time) any { return (*micros)(t) }

// NullDest implements sqlrow.Times.
func (times) NullDest(t **time.Time) any { return nullMicros{t} }

// Value implements sqlrow.Times.
func (times) Value(t time.Time) any { return toMicros(t) }

// NullValue implements sqlrow.Times.
func (times) NullValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return toMicros(*t)
}

// toMicros converts t to the stored form.
func toMicros(t time.Time) int64 { return t.UnixMicro() }

// micros is a time that Scan sets from a NOT NULL column of microseconds.
type micros time.Time

// Scan implements sql.Scanner. The driver gives an INTEGER column as an
// int64; anything else is converted as Scan into an int64 would.
func (m *micros) Scan(src any) error {
	us, ok := src.(int64)
	if !ok {
		var n sql.NullInt64
		if err := n.Scan(src); err != nil {
			return err
		}
		if !n.Valid {
			return errors.New("a time column holds NULL")
		}
		us = n.Int64
	}
	*m = micros(time.UnixMicro(us).UTC())
	return nil
}

// nullMicros is a time that Scan sets from a nullable column of
// microseconds: nil for NULL.
type nullMicros struct{ t **time.Time }

// Scan implements sql.Scanner.
func (m nullMicros) Scan(src any) error {
	if src == nil {
		*m.t = nil
		return nil
	}
	var t time.Time
	if err := (*micros)(&t).Scan(src); err != nil {
		return err
	}
	*m.t = &t
	return nil
}
