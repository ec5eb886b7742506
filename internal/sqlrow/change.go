package sqlrow

import "github.com/tether-ml/tether"

// ChangeColumns are the columns of the changes table that Change reads:
// the resource version, the event, then a record's columns but its sealed
// values, which the change log does not keep.
const ChangeColumns = `resource_version, event, namespace, id, type, vital, spec, version, created_at, updated_at`

// ChangesAfter is the query of the changes after a version ($1 or ?
// placeholders, in the store's syntax: after, limit), oldest first.
func ChangesAfter(after, limit string) string {
	return `SELECT ` + ChangeColumns + ` FROM changes WHERE resource_version > ` + after +
		` ORDER BY resource_version LIMIT ` + limit
}

// OldestChange selects the oldest resource version kept, 0 if none.
const OldestChange = `SELECT COALESCE(MIN(resource_version), 0) FROM changes`

// LatestChange selects the latest resource version, 0 before the first.
const LatestChange = `SELECT COALESCE(MAX(resource_version), 0) FROM changes`

// Change reads one row of ChangeColumns.
func Change[T Times](s Scanner) (*tether.Change, error) {
	var tm T
	var c tether.Change
	var r tether.Record
	err := s.Scan(&c.ResourceVersion, &c.Type, &r.Namespace, &r.ID, &r.Type, &r.Vital, &r.Spec,
		&r.Version, tm.Dest(&r.CreatedAt), tm.Dest(&r.UpdatedAt))
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	c.Record = &r
	return &c, nil
}
