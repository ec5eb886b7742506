package sqlrow

import "time"

// Times is how a store keeps time columns: the destination its driver's
// Scan fills for one, and the value a statement binds. The scan and value
// functions of this package take it as a type parameter, a zero-size type
// of the store's, so each store says it once and passes no state around.
// Whatever the store, the times it returns are in UTC.
type Times interface {
	// Dest is what Scan fills to set t from a NOT NULL time column.
	Dest(t *time.Time) any
	// NullDest is what Scan fills to set t from a nullable time column:
	// nil for NULL.
	NullDest(t **time.Time) any
	// Value is what a statement binds for t.
	Value(t time.Time) any
	// NullValue is what a statement binds for t, SQL NULL for nil.
	NullValue(t *time.Time) any
}

// utc returns t in UTC, or nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
