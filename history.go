package tether

import (
	"context"
	"strconv"
	"time"
)

// DefaultHistoryKeep is how many versions of each connection a store keeps
// unless told otherwise (the live one included).
const DefaultHistoryKeep = 10

// MaxHistoryPage bounds the versions one read of a history returns.
const MaxHistoryPage = 100

// History is the contract of a store's connection history. Every write
// that gives a connection a new version (create, update, rollback, a
// restore) stores that version in the same transaction, sealed exactly as
// the live record is (the same blob, bound to the record's namespace and
// id). A store keeps the last keep versions of each connection (its option,
// DefaultHistoryKeep by default): the write that stores a version drops
// that connection's versions older than the last keep, so each write adds
// one version and storage stays bounded per connection. Deleting a
// connection, or its namespace, purges its history in the same
// transaction: a deleted id has no history, and an id created again starts
// a new one. Re-wrapping a record re-wraps its live version too.
type History interface {
	// ListVersions returns up to limit (1..MaxHistoryPage) versions of the
	// connection (ns, id), newest first, those below before when before > 0
	// (a keyset cursor: the last version of the previous page). A missing
	// connection has none. Versions are Records as they were written,
	// without LastTest or Expiry.
	ListVersions(ctx context.Context, ns, id string, before int64, limit int) ([]*Record, error)
	// GetVersion returns one version of (ns, id), or ENOTFOUND.
	GetVersion(ctx context.Context, ns, id string, version int64) (*Record, error)
	// VersionsNotWrappedBy returns up to limit (> 0) versions that hold
	// sealed values wrapped by a key other than keyID, in (namespace, id,
	// version) order after the cursor, so key rotation leaves no copy
	// sealed with a retired key.
	VersionsNotWrappedBy(ctx context.Context, keyID string, after VersionKey, limit int) ([]*Record, error)
	// RewrapVersion replaces Sealed and KeyID of a stored version; it
	// reports false if the version is no longer kept.
	RewrapVersion(ctx context.Context, ns, id string, version int64, sealed []byte, keyID string) (bool, error)
}

// VersionKey addresses one version of one connection; the zero value is
// before every version.
type VersionKey struct {
	Namespace string
	ID        string
	Version   int64
}

// CheckHistoryPage returns the EINVALID error for a page of a history no
// store serves, or nil.
func CheckHistoryPage(op string, before int64, limit int) error {
	if before < 0 {
		return &Error{Code: EINVALID, Op: op, Message: "the version cursor must not be negative"}
	}
	if limit <= 0 || limit > MaxHistoryPage {
		return Errorf(EINVALID, "a page of history holds 1 to %d versions", MaxHistoryPage)
	}
	return nil
}

// VersionNotFound is the ENOTFOUND error for a version not kept.
func VersionNotFound(op, id string, version int64) *Error {
	return &Error{Code: ENOTFOUND, Op: op, Message: "connection \"" + id + "\" has no version " +
		strconv.FormatInt(version, 10) + " in its history"}
}

// HistoryOptions page a connection's history.
type HistoryOptions struct {
	// Before, if > 0, returns only versions below it (the last version of
	// the previous page).
	Before int64
	// Limit is at most MaxHistoryPage; 0 means 20.
	Limit int
}

// ConnectionVersion is one entry of a connection's history, masked.
type ConnectionVersion struct {
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Changed names the fields this version changed from the one before
	// it (spec.uri, spec.keySecret, ...); nil for the oldest kept.
	Changed []string `json:"changed,omitempty"`
	// Connection is the version, masked.
	Connection *Connection `json:"connection"`
}

// FieldChange is one field that differs between two versions. A secret
// field's values are never given: Secret is set and From and To are empty.
type FieldChange struct {
	Field  string `json:"field"`
	Secret bool   `json:"secret,omitempty"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
}

// VersionDiff is what changed from version From to version To.
type VersionDiff struct {
	ID      string        `json:"id"`
	From    int64         `json:"from"`
	To      int64         `json:"to"`
	Changes []FieldChange `json:"changes"`
}

// RollbackRequest is the body of a rollback.
type RollbackRequest struct {
	// Version is the version whose spec and secrets become the next one.
	Version int64 `json:"version"`
}

// HistoryService reads and rolls back connection history. Every method
// authorizes the caller found in ctx: reading needs the read permission,
// a revealed version the reveal permission (and is audited as a reveal), a
// rollback the write permission.
type HistoryService interface {
	// History lists versions of a connection, newest first, masked.
	History(ctx context.Context, ns, id string, opts HistoryOptions) ([]*ConnectionVersion, error)
	// GetVersion returns one version, masked unless reveal.
	GetVersion(ctx context.Context, ns, id string, version int64, reveal bool) (*Connection, error)
	// Rollback stores a new version whose spec and secrets are those of
	// version; opts.Version, if set, is the version the caller expects to
	// replace (ECONFLICT otherwise). It is an update like any other: the
	// change feed reports it.
	Rollback(ctx context.Context, ns, id string, version int64, opts UpdateOptions) (*Connection, error)
	// Diff names the fields that differ from version a to version b;
	// secret fields are said to have changed, never shown.
	Diff(ctx context.Context, ns, id string, a, b int64) (*VersionDiff, error)
}
