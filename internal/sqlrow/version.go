package sqlrow

import "github.com/tether-ml/tether"

// VersionColumns are the columns of the connection_versions table that
// Version reads and VersionValues binds, in their order.
const VersionColumns = `namespace, id, version, type, vital, spec, sealed, key_id, created_at, updated_at`

// Version reads one row of VersionColumns: a record as it was written,
// without LastTest or Expiry.
func Version[T Times](s Scanner) (*tether.Record, error) {
	var tm T
	var r tether.Record
	err := s.Scan(&r.Namespace, &r.ID, &r.Version, &r.Type, &r.Vital, &r.Spec, &r.Sealed, &r.KeyID,
		tm.Dest(&r.CreatedAt), tm.Dest(&r.UpdatedAt))
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// VersionValues returns r's values in VersionColumns order.
func VersionValues[T Times](r *tether.Record) []any {
	var tm T
	return []any{r.Namespace, r.ID, r.Version, r.Type, r.Vital, NonNil(r.Spec), Blob(r.Sealed), r.KeyID,
		tm.Value(r.CreatedAt), tm.Value(r.UpdatedAt)}
}
