package tether

import (
	"context"
	"time"
)

// ConnectionService is the Connection API, as the HTTP layer serves it and
// the Go client calls it. Every method authorizes the caller found in ctx.
type ConnectionService interface {
	// Get returns the connection with its secrets masked.
	Get(ctx context.Context, ns, id string) (*Connection, error)
	// Reveal returns the connection with its secrets as they were posted.
	Reveal(ctx context.Context, ns, id string) (*Connection, error)
	// Deliver returns the connection as a job gets it: revealed, its
	// credential exchanged for a short-lived one when its type does so
	// (ConnectionType.Exchange), with Status.Expiry set to the earliest
	// expiry it carries. It needs the reveal permission and is audited as
	// a reveal. A short-lived credential is shared by the callers that
	// ask for it while it is Reusable.
	Deliver(ctx context.Context, ns, id string) (*Connection, error)
	// List returns masked connections matching f, ordered by id.
	List(ctx context.Context, ns string, f ConnectionFilter) ([]*Connection, error)
	// Create validates and stores c; ECONFLICT if the id exists. The id is
	// required.
	Create(ctx context.Context, ns string, c *Connection) (*Connection, error)
	// Update replaces the spec of an existing connection. A masked or
	// omitted secret keeps the stored value; a vital connection keeps its
	// vital flag unless opts.Force.
	Update(ctx context.Context, ns string, c *Connection, opts UpdateOptions) (*Connection, error)
	// Delete removes a connection; EINVALID if it is vital.
	Delete(ctx context.Context, ns, id string) error
}

// KeyService manages the keys that seal secrets at rest.
type KeyService interface {
	// Rotate adds a new primary key and re-wraps every record with it,
	// calling progress after each batch. Reads keep working throughout.
	Rotate(ctx context.Context, progress func(done, total int)) (keyID string, err error)
}

// BackupService copies the whole store out and back in, still sealed.
type BackupService interface {
	// Backup passes fn one consistent snapshot of the store.
	Backup(ctx context.Context, fn func(*Dump) error) error
	// Restore writes the dump that open reads into a store that holds no
	// connection, all or nothing. It authorizes the caller before reading
	// anything, and refuses, before writing anything, a dump sealed with a
	// key the server's keyring cannot open.
	Restore(ctx context.Context, open func() (*Dump, error)) error
}

// NamespaceService manages namespaces.
type NamespaceService interface {
	Create(ctx context.Context, name string) (*Namespace, error)
	Get(ctx context.Context, name string) (*Namespace, error)
	// List returns the namespaces the caller holds a role in.
	List(ctx context.Context) ([]*Namespace, error)
	// Delete deletes a namespace; force also deletes its connections.
	Delete(ctx context.Context, name string, force bool) error
}

// RoleBindingService manages role bindings.
type RoleBindingService interface {
	Create(ctx context.Context, b RoleBinding) (*RoleBinding, error)
	// List returns the bindings of ns, or of every namespace for "".
	List(ctx context.Context, ns string) ([]*RoleBinding, error)
	Delete(ctx context.Context, id string) error
}

// TokenService issues and revokes API tokens.
type TokenService interface {
	// Create returns the new token (shown once) and its stored record.
	Create(ctx context.Context, subject string, ttl time.Duration) (string, *Token, error)
	List(ctx context.Context) ([]*Token, error)
	Revoke(ctx context.Context, id string) error
}

// AuditService reads the audit log.
type AuditService interface {
	List(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// Usage tells how often a connection was revealed since a time.
	Usage(ctx context.Context, ns, id string, since time.Time) (*Usage, error)
}

// Usage is how a connection was revealed over a window.
type Usage struct {
	Namespace  string         `json:"namespace"`
	Connection string         `json:"connection"`
	Since      time.Time      `json:"since"`
	Total      int            `json:"total"`
	PerDay     map[string]int `json:"perDay"`   // "2006-01-02" -> reveals
	Subjects   map[string]int `json:"subjects"` // subject -> reveals
	Jobs       map[string]int `json:"jobs"`     // job -> reveals
}
