package sqlrow

import "github.com/tether-ml/tether"

// NamespaceColumns are the columns of the namespaces table that Namespace
// reads, in its order.
const NamespaceColumns = `name, created_at`

// Namespace reads one row of NamespaceColumns.
func Namespace[T Times](s Scanner) (*tether.Namespace, error) {
	var tm T
	var n tether.Namespace
	if err := s.Scan(&n.Name, tm.Dest(&n.CreatedAt)); err != nil {
		return nil, err
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return &n, nil
}
