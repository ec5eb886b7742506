package backup

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tether-ml/tether"
)

// maxText bounds a name, id or subject of a backup line.
const maxText = 1024

// check refuses a line that no store could hold, or that names a
// namespace the backup does not list: a restore writes nothing then.
func (st *stream) check(e *entry) error {
	var problem string
	switch {
	case e.Namespace != nil:
		problem = st.checkNamespace(e.Namespace)
	case e.RoleBinding != nil:
		problem = st.checkRoleBinding(e.RoleBinding)
	case e.Token != nil:
		problem = checkToken(e.Token)
	case e.Connection != nil:
		problem = st.checkRecord(e.Connection)
	case e.ConnectionVersion != nil:
		problem = st.checkRecord(e.ConnectionVersion)
	default:
		problem = checkAudit(e.Audit)
	}
	if problem != "" {
		return invalid(fmt.Sprintf("line %d of the backup: %s", st.s.lines, problem))
	}
	return nil
}

func (st *stream) checkNamespace(n *namespace) string {
	switch {
	case !tether.NamespacePattern.MatchString(n.Name):
		return fmt.Sprintf("namespace name %q is not valid", n.Name)
	case st.names[n.Name]:
		return fmt.Sprintf("namespace %q is listed twice", n.Name)
	}
	return ""
}

func (st *stream) checkRoleBinding(b *roleBinding) string {
	switch {
	case !isText(b.ID) || !isText(b.Subject):
		return "a role binding's id or subject is empty or not text"
	case tether.Role(b.Role).Permissions() == nil:
		return fmt.Sprintf("role binding %q has an unknown role %q", b.ID, b.Role)
	case b.Namespace != tether.AllNamespaces && !st.names[b.Namespace]:
		return fmt.Sprintf("role binding %q is in namespace %q, which the backup does not list", b.ID, b.Namespace)
	}
	return ""
}

func checkToken(t *token) string {
	switch {
	case !isText(t.ID) || !isText(t.Subject):
		return "a token's id or subject is empty or not text"
	case len(t.Hash) != sha256.Size:
		return fmt.Sprintf("token %q has no SHA-256 hash", t.ID)
	}
	return ""
}

func (st *stream) checkRecord(r *record) string {
	switch {
	case !isText(r.ID) || !isText(r.Type):
		return "a connection's id or type is empty or not text"
	case !st.names[r.Namespace]:
		return fmt.Sprintf("connection %q is in namespace %q, which the backup does not list", r.ID, r.Namespace)
	case len(r.Spec) == 0:
		return fmt.Sprintf("connection %q has no spec", r.ID)
	}
	return ""
}

func checkAudit(e *auditEvent) string {
	for _, s := range []string{e.Subject, e.Namespace, e.Connection, e.Job, e.Remote, e.Detail} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return "an audit event holds a value that is not text"
		}
	}
	if !isText(e.Action) || !isText(e.Outcome) {
		return "an audit event's action or outcome is empty or not text"
	}
	return ""
}

// isText reports whether s is a non-empty, bounded string of printable
// UTF-8, as every store keeps it.
func isText(s string) bool {
	if s == "" || len(s) > maxText || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}
