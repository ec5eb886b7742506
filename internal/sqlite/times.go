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

// Scan implements sql.Scanner.
func (m *micros) Scan(src any) error {
	var us sql.NullInt64
	if err := us.Scan(src); err != nil {
		return err
	}
	if !us.Valid {
		return errors.New("a time column holds NULL")
	}
	*m = micros(time.UnixMicro(us.Int64).UTC())
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
