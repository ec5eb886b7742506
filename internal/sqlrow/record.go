package sqlrow

import (
	"time"

	"github.com/tether-ml/tether"
)

// RecordColumns are the columns of the connections table that Record reads
// and RecordValues binds, in their order.
const RecordColumns = `namespace, id, type, vital, spec, sealed, key_id, version, created_at, updated_at, last_test, ` +
	`last_test_at, expires_at, expiry_what`

// Record reads one row of RecordColumns. The time its last test was kept
// is read but not returned: it is the store's, for DueRecords.
func Record[T Times](s Scanner) (*tether.Record, error) {
	var tm T
	var r tether.Record
	var tested, expires *time.Time
	var what string
	err := s.Scan(&r.Namespace, &r.ID, &r.Type, &r.Vital, &r.Spec, &r.Sealed, &r.KeyID,
		&r.Version, tm.Dest(&r.CreatedAt), tm.Dest(&r.UpdatedAt), &r.LastTest,
		tm.NullDest(&tested), tm.NullDest(&expires), &what)
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.Expiry = expiry(expires, what)
	return &r, nil
}

// RecordValues returns r's values in RecordColumns order: an empty Spec
// for nil (the column is NOT NULL), NULL for a nil Sealed, LastTest or
// Expiry. A LastTest is kept as of now.
func RecordValues[T Times](r *tether.Record) []any {
	var tm T
	var tested, expires *time.Time
	var what string
	if r.LastTest != nil {
		now := time.Now()
		tested = &now
	}
	if r.Expiry != nil {
		expires, what = &r.Expiry.At, r.Expiry.What
	}
	return []any{r.Namespace, r.ID, r.Type, r.Vital, NonNil(r.Spec), Blob(r.Sealed), r.KeyID,
		r.Version, tm.Value(r.CreatedAt), tm.Value(r.UpdatedAt), Blob(r.LastTest),
		tm.NullValue(tested), tm.NullValue(expires), what}
}

// StateColumns are the columns of the connections table that State reads.
const StateColumns = `namespace, id, type, version, last_test, expires_at, expiry_what`

// State reads one row of StateColumns.
func State[T Times](s Scanner) (*tether.RecordState, error) {
	var tm T
	var r tether.RecordState
	var expires *time.Time
	var what string
	if err := s.Scan(&r.Namespace, &r.ID, &r.Type, &r.Version, &r.LastTest, tm.NullDest(&expires), &what); err != nil {
		return nil, err
	}
	r.Expiry = expiry(expires, what)
	return &r, nil
}

// expiry is the Expiry of the columns expires_at and expiry_what.
func expiry(at *time.Time, what string) *tether.Expiry {
	if at == nil {
		return nil
	}
	return &tether.Expiry{At: at.UTC(), What: what}
}
