package tether

import (
	"encoding/json"
	"time"
)

// The wire format of the REST API that the server (package http) serves and
// the Go client (package client) calls: paths, bodies and the mapping of
// error codes to HTTP statuses, declared once for both sides.

// Paths of the API's collections and singletons (without the
// /namespaces/{ns} infix that Tether's namespaced routes insert).
const (
	PathConnections  = "/api/v1/connection"
	PathNamespaces   = "/api/v1/namespaces"
	PathRoleBindings = "/api/v1/rolebindings"
	PathTokens       = "/api/v1/tokens"
	PathAudit        = "/api/v1/audit"
	PathRotateKeys   = "/api/v1/keys/rotate"
	PathBackup       = "/api/v1/backup"
	PathRestore      = "/api/v1/restore"
	PathTypes        = "/api/v1/connection-types"
)

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 1 << 20

// MessageBody is Odahu's error body, also the body of a successful delete.
type MessageBody struct {
	Message string `json:"message"`
}

// statusOf maps each error code to one HTTP status.
var statusOf = map[string]int{
	EINVALID:      400,
	ENOTFOUND:     404,
	ECONFLICT:     409,
	EUNAUTHORIZED: 401,
	EFORBIDDEN:    403,
	ETOOLARGE:     413,
	ETHROTTLED:    429,
	EUNAVAILABLE:  503,
	EGONE:         410,
	EINTERNAL:     500,
}

// HTTPStatus returns the HTTP status that answers an error with code.
func HTTPStatus(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return 500
}

// CodeOfStatus is the inverse of HTTPStatus: the error code of an error
// response with the given status (EINTERNAL for an unknown 5xx, EINVALID
// for an unknown 4xx).
func CodeOfStatus(status int) string {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	if status >= 500 {
		return EINTERNAL
	}
	return EINVALID
}

// TokenInfo is an API token as the API shows it; Token is set only in the
// answer that creates it.
type TokenInfo struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Token     string     `json:"token,omitempty"`
}

// RotateProgress is one line of the newline-delimited JSON stream that
// answers a key rotation.
type RotateProgress struct {
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	KeyID   string `json:"keyID,omitempty"`
	Message string `json:"message,omitempty"`
}

// RestoreResult is the answer of a restore: what the backup held, all of
// which is now in the store, and what it could not hold (Omitted, from an
// older backup format).
type RestoreResult struct {
	Message      string   `json:"message"`
	Records      int      `json:"records"`
	Namespaces   int      `json:"namespaces"`
	RoleBindings int      `json:"roleBindings"`
	Tokens       int      `json:"tokens"`
	AuditEvents  int      `json:"auditEvents"`
	Omitted      []string `json:"omitted,omitempty"`
}

// PathAllConnections is the route that watches the connections of every
// namespace the caller may read (with watch=true).
const PathAllConnections = "/api/v1/connections"

// WatchLine is one line of the newline-delimited JSON stream that answers
// a watch (?watch=true), as Kubernetes writes its watch events: Object is
// the masked connection of an ADDED, MODIFIED or DELETED event, a
// MessageBody with the HTTP status of the error (Code) for an ERROR, and
// absent for a BOOKMARK. ResourceVersion is a decimal string.
type WatchLine struct {
	Type            string          `json:"type"`
	Object          json.RawMessage `json:"object,omitempty"`
	ResourceVersion string          `json:"resourceVersion"`
}

// WatchError is the object of an ERROR line.
type WatchError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}
