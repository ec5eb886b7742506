package backup

import (
	"encoding/json"
	"time"

	"github.com/tether-ml/tether"
)

// header is the first line of a backup. Version 1 carried its tokens in
// Tokens; version 2 counts its sections and has a line per item.
type header struct {
	Format       string            `json:"format"`
	Version      int               `json:"version"`
	RecordCount  int               `json:"recordCount"`
	KeyChecks    map[string][]byte `json:"keyChecks"`
	Namespaces   int               `json:"namespaces,omitempty"`
	RoleBindings int               `json:"roleBindings,omitempty"`
	TokenCount   int               `json:"tokenCount,omitempty"`
	Audit        bool              `json:"audit,omitempty"` // the audit log follows the connections
	// Versions: the connections' history follows the connections.
	Versions bool    `json:"versions,omitempty"`
	Tokens   []token `json:"tokens,omitempty"` // version 1 only
}

// entry is one line of a version 2 backup: exactly one field is set.
type entry struct {
	Namespace   *namespace   `json:"namespace,omitempty"`
	RoleBinding *roleBinding `json:"roleBinding,omitempty"`
	Token       *token       `json:"token,omitempty"`
	Connection  *record      `json:"connection,omitempty"`
	// ConnectionVersion is one version a connection's history keeps.
	ConnectionVersion *record     `json:"connectionVersion,omitempty"`
	Audit             *auditEvent `json:"audit,omitempty"`
}

type namespace struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

type roleBinding struct {
	ID        string    `json:"id"`
	Subject   string    `json:"subject"`
	Role      string    `json:"role"`
	Namespace string    `json:"namespace"`
	CreatedAt time.Time `json:"createdAt"`
}

// token is a token as stored: its SHA-256 hash, never the token.
type token struct {
	ID        string     `json:"id"`
	Hash      []byte     `json:"hash"`
	Subject   string     `json:"subject"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// record is a connection. Spec is the stored JSON, kept verbatim; Sealed
// holds its secrets as sealed in the store.
type record struct {
	Namespace string          `json:"namespace"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Vital     bool            `json:"vital,omitempty"`
	Spec      json.RawMessage `json:"spec"`
	Sealed    []byte          `json:"sealed,omitempty"`
	KeyID     string          `json:"keyID,omitempty"`
	Version   int64           `json:"version"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// auditEvent is an audit event without its id: a restore appends it to
// the target's log, which numbers it.
type auditEvent struct {
	Time       time.Time `json:"time"`
	Subject    string    `json:"subject,omitempty"`
	Action     string    `json:"action"`
	Namespace  string    `json:"namespace,omitempty"`
	Connection string    `json:"connection,omitempty"`
	Job        string    `json:"job,omitempty"`
	Outcome    string    `json:"outcome"`
	Remote     string    `json:"remote,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// counts are the sizes of a backup's sections.
type counts struct {
	Records      int `json:"records"`
	Namespaces   int `json:"namespaces,omitempty"`
	RoleBindings int `json:"roleBindings,omitempty"`
	Tokens       int `json:"tokens,omitempty"`
	AuditEvents  int `json:"auditEvents,omitempty"`
	Versions     int `json:"versions,omitempty"`
}

// trailer is the last line.
type trailer struct {
	End bool `json:"end"`
	counts
	SHA256 string `json:"sha256"`
}

func toRoleBinding(b *tether.RoleBinding) *roleBinding {
	return &roleBinding{ID: b.ID, Subject: b.Subject, Role: string(b.Role), Namespace: b.Namespace, CreatedAt: b.CreatedAt}
}

func (b *roleBinding) domain() *tether.RoleBinding {
	return &tether.RoleBinding{ID: b.ID, Subject: b.Subject, Role: tether.Role(b.Role), Namespace: b.Namespace, CreatedAt: b.CreatedAt}
}

func toToken(t *tether.Token) *token {
	return &token{ID: t.ID, Hash: t.Hash, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

func (t *token) domain() *tether.Token {
	return &tether.Token{ID: t.ID, Hash: t.Hash, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
}

func toRecord(r *tether.Record) *record {
	return &record{Namespace: r.Namespace, ID: r.ID, Type: r.Type, Vital: r.Vital, Spec: r.Spec, Sealed: r.Sealed,
		KeyID: r.KeyID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (r *record) domain() *tether.Record {
	return &tether.Record{Namespace: r.Namespace, ID: r.ID, Type: r.Type, Vital: r.Vital, Spec: []byte(r.Spec),
		Sealed: r.Sealed, KeyID: r.KeyID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func toAudit(e *tether.AuditEvent) *auditEvent {
	return &auditEvent{Time: e.Time, Subject: e.Subject, Action: e.Action, Namespace: e.Namespace, Connection: e.Connection,
		Job: e.Job, Outcome: e.Outcome, Remote: e.Remote, Detail: e.Detail}
}

func (e *auditEvent) domain() *tether.AuditEvent {
	return &tether.AuditEvent{Time: e.Time, Subject: e.Subject, Action: e.Action, Namespace: e.Namespace, Connection: e.Connection,
		Job: e.Job, Outcome: e.Outcome, Remote: e.Remote, Detail: e.Detail}
}
