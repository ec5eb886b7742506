package tether

import (
	"strings"
	"time"
	"unicode"
)

// Namespace groups connections; role bindings grant access per namespace.
// The namespace "default" always exists.
type Namespace struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// NamespacePattern is the rule for namespace names (a DNS-1123 label, as
// in Kubernetes).
var NamespacePattern = IDPattern

// AllNamespaces, as a role binding's namespace, grants the role in every
// namespace.
const AllNamespaces = "*"

// Permission is one thing a caller may be allowed to do in a namespace.
type Permission string

// Permissions checked by the services.
const (
	PermRead       Permission = "connections.read"   // list, get masked
	PermReveal     Permission = "connections.reveal" // get decrypted
	PermWrite      Permission = "connections.write"  // create, update, delete
	PermVital      Permission = "connections.vital"  // clear the vital flag
	PermRotateKeys Permission = "keys.rotate"
	PermBackup     Permission = "backup" // back up and restore the whole store
)

// Role is a fixed set of permissions.
type Role string

// The roles, each holding the permissions of the one before it and more.
const (
	RoleViewer Role = "viewer" // list, get masked
	RoleUser   Role = "user"   // + reveal (decrypted, render, run), connection tests
	RoleEditor Role = "editor" // + create, update, delete
	RoleAdmin  Role = "admin"  // + role bindings, tokens, namespaces, keys, backups, audit, the vital flag
)

// Roles lists the roles from least to most powerful.
var Roles = []Role{RoleViewer, RoleUser, RoleEditor, RoleAdmin}

// Permissions of the roles beyond those of connections.
const (
	PermBindings   Permission = "rolebindings.manage"
	PermTokens     Permission = "tokens.manage"
	PermNamespaces Permission = "namespaces.manage"
	PermAudit      Permission = "audit.read"
)

// rolePermissions is each role's own addition; see Permissions.
var rolePermissions = map[Role][]Permission{
	RoleViewer: {PermRead},
	RoleUser:   {PermReveal, PermTest},
	RoleEditor: {PermWrite},
	RoleAdmin:  {PermVital, PermBindings, PermTokens, PermNamespaces, PermRotateKeys, PermBackup, PermAudit},
}

// Permissions returns every permission of role r, or nil for an unknown
// role.
func (r Role) Permissions() []Permission {
	var out []Permission
	for _, role := range Roles {
		out = append(out, rolePermissions[role]...)
		if role == r {
			return out
		}
	}
	return nil
}

// Has reports whether role r holds perm.
func (r Role) Has(perm Permission) bool {
	for _, p := range r.Permissions() {
		if p == perm {
			return true
		}
	}
	return false
}

// RoleBinding grants Role to Subject in Namespace (or in every namespace,
// AllNamespaces). Subject is "user:NAME", "group:NAME" or
// "serviceaccount:K8SNS:NAME".
type RoleBinding struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	Role      Role      `json:"role"`
	Namespace string    `json:"namespace"`
	CreatedAt time.Time `json:"createdAt"`
}

// SubjectPattern is the rule for subjects of role bindings and tokens.
// Built-in subjects (BuiltinSubjectPrefix) never match it: they cannot be
// bound or issued tokens, only held.
var SubjectPattern = NewPattern(`^(user:[^\s:]{1,253}|group:[^\s:]{1,253}|serviceaccount:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?:[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?)$`)

// IsBuiltinSubject reports whether subject names one of Tether's built-in
// identities, which no identity provider can reach.
func IsBuiltinSubject(subject string) bool {
	return strings.HasPrefix(subject, BuiltinSubjectPrefix)
}

// ReservedNamePrefix starts the user names that an identity provider may
// not give: it is Kubernetes' own prefix (system:admin,
// system:serviceaccount:...), under which Tether keeps its built-in
// identities too. Such a name is refused rather than taken as a user, so
// that no audit record or role binding can mistake one for the other.
const ReservedNamePrefix = "system:"

// UserSubject is the subject of the user an identity provider names name;
// EUNAUTHORIZED if the name is empty, holds a control character, or is
// reserved (ReservedNamePrefix).
func UserSubject(name string) (string, error) {
	switch {
	case name == "":
		return "", Errorf(EUNAUTHORIZED, "the identity provider gave no user name")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", Errorf(EUNAUTHORIZED, "the user name the identity provider gave holds a control character")
	case strings.HasPrefix(strings.ToLower(name), ReservedNamePrefix):
		return "", Errorf(EUNAUTHORIZED, "the user name the identity provider gave starts with the reserved prefix %q", ReservedNamePrefix)
	}
	return "user:" + name, nil
}
