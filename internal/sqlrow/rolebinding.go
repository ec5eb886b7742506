package sqlrow

import "github.com/tether-ml/tether"

// RoleBindingColumns are the columns of the role_bindings table that
// RoleBinding reads and RoleBindingValues binds, in their order.
const RoleBindingColumns = `id, subject, role, namespace, created_at`

// RoleBinding reads one row of RoleBindingColumns.
func RoleBinding[T Times](s Scanner) (*tether.RoleBinding, error) {
	var tm T
	var b tether.RoleBinding
	if err := s.Scan(&b.ID, &b.Subject, &b.Role, &b.Namespace, tm.Dest(&b.CreatedAt)); err != nil {
		return nil, err
	}
	b.CreatedAt = b.CreatedAt.UTC()
	return &b, nil
}

// RoleBindingValues returns b's values in RoleBindingColumns order.
func RoleBindingValues[T Times](b *tether.RoleBinding) []any {
	var tm T
	return []any{b.ID, b.Subject, string(b.Role), b.Namespace, tm.Value(b.CreatedAt)}
}
