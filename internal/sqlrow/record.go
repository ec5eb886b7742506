package sqlrow

import "github.com/tether-ml/tether"

// RecordColumns are the columns of the connections table that Record reads
// and RecordValues binds, in their order.
const RecordColumns = `namespace, id, type, vital, spec, sealed, key_id, version, created_at, updated_at, last_test`

// Record reads one row of RecordColumns.
func Record[T Times](s Scanner) (*tether.Record, error) {
	var tm T
	var r tether.Record
	err := s.Scan(&r.Namespace, &r.ID, &r.Type, &r.Vital, &r.Spec, &r.Sealed, &r.KeyID,
		&r.Version, tm.Dest(&r.CreatedAt), tm.Dest(&r.UpdatedAt), &r.LastTest)
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// RecordValues returns r's values in RecordColumns order: an empty Spec
// for nil (the column is NOT NULL), NULL for a nil Sealed or LastTest.
func RecordValues[T Times](r *tether.Record) []any {
	var tm T
	return []any{r.Namespace, r.ID, r.Type, r.Vital, NonNil(r.Spec), Blob(r.Sealed), r.KeyID,
		r.Version, tm.Value(r.CreatedAt), tm.Value(r.UpdatedAt), Blob(r.LastTest)}
}
