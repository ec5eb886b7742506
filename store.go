package tether

import (
	"context"
	"iter"
	"time"
)

// Record is a connection as the store keeps it. The store is untrusted: it
// never sees a secret in plaintext. Secret values travel sealed in Sealed;
// Spec holds the rest of the spec as JSON.
type Record struct {
	Namespace string
	ID        string
	Type      string // indexed for the type filter
	Vital     bool   // the store refuses to delete a vital record
	Spec      []byte // JSON of ConnectionSpec with every secret value removed
	Sealed    []byte // sealed secret values; nil if the connection has none
	KeyID     string // id of the key that wraps Sealed's data key
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// LastTest is the JSON of the last ProbeResult of this version, run on
	// the server; nil if none. It holds no secret (a result's message is
	// safe to show) and is not part of the connection: setting it changes
	// neither Version nor UpdatedAt, and is no change to watch.
	LastTest []byte
	// Expiry is when the credential of this version stops working, as its
	// type tells from the revealed connection (ConnectionType.Expiry); nil
	// if it carries none. It is written with the record, so it always
	// describes the version stored.
	Expiry *Expiry
}

// RecordState is what the health gauges and the periodic connection tests
// read of a record: how it fares, without its spec or secrets.
type RecordState struct {
	Namespace string
	ID        string
	Type      string
	Version   int64
	Expiry    *Expiry
	LastTest  []byte // as Record.LastTest
}

// DueQuery selects the records whose periodic test is due.
type DueQuery struct {
	// Namespace, if set, is the only namespace searched; otherwise every
	// namespace but those of Except is.
	Namespace string
	Except    []string
	// Types are the types searched (those that have a connection test);
	// none means none.
	Types []string
	// Before: only records whose last test was kept before it, or that
	// have none.
	Before time.Time
	// Limit bounds the records returned (> 0).
	Limit int
}

// ListOptions select and page records. Records are ordered by ID.
type ListOptions struct {
	Types  []string // empty means every type
	After  string   // keyset cursor: only ids greater than After
	Offset int      // records to skip after the cursor (Odahu's page)
	Limit  int      // at most this many; 0 means no limit
}

// Check returns the EINVALID error every store gives for opts, for
// operation op, or nil if it can be listed.
func (o ListOptions) Check(op string) error {
	if o.Offset < 0 || o.Limit < 0 {
		return &Error{Code: EINVALID, Op: op, Message: "offset and limit must not be negative"}
	}
	return nil
}

// DistinctTypes returns the distinct values of Types, in their first
// order: each type is read once however often it is asked for.
func (o ListOptions) DistinctTypes() []string { return distinct(o.Types) }

// distinct returns the distinct values of list, in their first order.
func distinct(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Store keeps records. Both stores (SQLite, PostgreSQL) pass the same
// conformance suite (internal/storetest). Every method is atomic.
type Store interface {
	// GetRecord returns the record, or ENOTFOUND.
	GetRecord(ctx context.Context, ns, id string) (*Record, error)
	// ListRecords returns the records of ns matching opts, ordered by ID.
	ListRecords(ctx context.Context, ns string, opts ListOptions) ([]*Record, error)
	// CreateRecord inserts r as is, or fails with ECONFLICT if (ns, id) exists.
	CreateRecord(ctx context.Context, r *Record) error
	// UpdateRecord replaces the record if its stored version is
	// expectedVersion; ECONFLICT if it is not, ENOTFOUND if absent. r.Version
	// is stored as given, and so is r.LastTest: an update that leaves it nil
	// drops the last test, which was of the version replaced.
	UpdateRecord(ctx context.Context, r *Record, expectedVersion int64) error
	// DeleteRecord removes the record; ENOTFOUND if absent, EINVALID if vital.
	DeleteRecord(ctx context.Context, ns, id string) error
	// RewrapRecord replaces Sealed and KeyID of a record whose version is
	// still version, without changing its version or timestamps. It reports
	// false if the record changed or disappeared meanwhile.
	RewrapRecord(ctx context.Context, ns, id string, version int64, sealed []byte, keyID string) (bool, error)
	// SetLastTest stores result (JSON of a ProbeResult) as the LastTest of
	// the record (ns, id) if its version is still version, without changing
	// its version, timestamps or anything else, and without a change in the
	// change log. It reports false, without error, if the record changed or
	// disappeared meanwhile: the result is of a version no longer stored,
	// and is dropped.
	SetLastTest(ctx context.Context, ns, id string, version int64, result []byte) (bool, error)
	// ExpiringRecords returns the states of up to limit (> 0) records that
	// carry an expiry, the soonest first, then by (namespace, id). It reads
	// an index of those records only.
	ExpiringRecords(ctx context.Context, limit int) ([]*RecordState, error)
	// TestedRecords returns the states of up to limit (> 0) records that
	// have a last test, in (namespace, id) order. It reads an index of
	// those records only.
	TestedRecords(ctx context.Context, limit int) ([]*RecordState, error)
	// DueRecords returns the states of the records q selects, those whose
	// last test was kept the longest ago first (never tested before any),
	// then by (namespace, id). It reads an index of the time each record's
	// last test was kept (by SetLastTest, or by the write that stored
	// LastTest), which GetRecord does not return.
	DueRecords(ctx context.Context, q DueQuery) ([]*RecordState, error)
	// RecordsNotWrappedBy returns up to limit records, in (namespace, id)
	// order after the cursor (afterNS, afterID), whose KeyID is not keyID
	// and which hold sealed values.
	RecordsNotWrappedBy(ctx context.Context, keyID, afterNS, afterID string, limit int) ([]*Record, error)
	// CountRecordsNotWrappedBy counts what RecordsNotWrappedBy would walk.
	CountRecordsNotWrappedBy(ctx context.Context, keyID string) (int, error)

	// KeyChecks returns, by key id, the sealed check values that prove a
	// keyring can open this store's data.
	KeyChecks(ctx context.Context) (map[string][]byte, error)
	// PutKeyCheck records the check value sealed with keyID.
	PutKeyCheck(ctx context.Context, keyID string, sealed []byte) error

	// CountRecords counts the records of every namespace.
	CountRecords(ctx context.Context) (int, error)
	// Export reads one consistent snapshot of the whole store and passes it
	// to fn. The dump's Records may be iterated only inside fn, once.
	Export(ctx context.Context, fn func(*Dump) error) error
	// Import writes a dump in one transaction: all of it or nothing. It
	// fails with ECONFLICT, writing nothing, if the store already holds a
	// record, or if a token or role binding of the dump contradicts one the
	// store holds: a token of the same id or hash that is not the same token
	// (id, hash and subject), a binding of the same id that grants something
	// else. What the store already holds in the same form is kept as stored:
	// key checks of keys it has a check for, namespaces by name (with the
	// earlier of the two creation times), the same tokens, bindings of the same subject, role and namespace (a fresh
	// server's bootstrap token and key check survive a restore). Every
	// namespace that holds a record of the dump exists afterwards, listed in
	// the dump or not. d.Audit, if not nil, is iterated after d.Records and
	// its events appended to the audit log with new ids, in order, keeping
	// their other fields.
	Import(ctx context.Context, d *Dump) error

	ChangeLog
	History
	TokenStore
	NamespaceStore
	RoleBindingStore
	AuditStore

	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// TokenStore keeps API tokens.
type TokenStore interface {
	// CreateToken stores t; ECONFLICT if its ID or Hash exists.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with that hash, or ENOTFOUND.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// CountTokens reports how many tokens exist.
	CountTokens(ctx context.Context) (int, error)
	// ListTokens returns every token, ordered by ID.
	ListTokens(ctx context.Context) ([]*Token, error)
	// DeleteToken removes the token with that ID; ENOTFOUND if absent.
	DeleteToken(ctx context.Context, id string) error
}

// NamespaceStore keeps namespaces. The namespace DefaultNamespace always
// exists (the migration that adds namespaces creates it) and cannot be
// deleted.
type NamespaceStore interface {
	// CreateNamespace stores n; ECONFLICT if it exists.
	CreateNamespace(ctx context.Context, n *Namespace) error
	// GetNamespace returns the namespace, or ENOTFOUND.
	GetNamespace(ctx context.Context, name string) (*Namespace, error)
	// ListNamespaces returns every namespace, ordered by name.
	ListNamespaces(ctx context.Context) ([]*Namespace, error)
	// DeleteNamespace removes the namespace and its role bindings,
	// atomically. A namespace that holds connections is refused (ECONFLICT)
	// unless force, which deletes them too; a vital connection refuses the
	// deletion even with force (EINVALID). ENOTFOUND if absent; EINVALID
	// for DefaultNamespace.
	DeleteNamespace(ctx context.Context, name string, force bool) error
}

// RoleBindingStore keeps role bindings.
type RoleBindingStore interface {
	// CreateRoleBinding stores b; ECONFLICT if its ID, or the same
	// (Subject, Role, Namespace), exists.
	CreateRoleBinding(ctx context.Context, b *RoleBinding) error
	// ListRoleBindings returns every role binding, ordered by
	// (Namespace, Subject, Role).
	ListRoleBindings(ctx context.Context) ([]*RoleBinding, error)
	// DeleteRoleBinding removes the binding; ENOTFOUND if absent.
	DeleteRoleBinding(ctx context.Context, id string) error
}

// AuditStore keeps the audit log: append-only, but for retention, which
// deletes the oldest events.
type AuditStore interface {
	// AppendAudit stores the events in one transaction, all or none, in
	// the order given, and sets each one's ID, which increases with each
	// event. Several events in one call cost about as much as one: the
	// audit service groups concurrent requests' events this way.
	AppendAudit(ctx context.Context, events ...*AuditEvent) error
	// ListAudit returns the events matching f, oldest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// DeleteAuditBefore deletes up to limit (> 0) events whose time is
	// before t, oldest first, and reports how many it deleted. Retention
	// calls it batch after batch, so that no transaction grows with the
	// log. It is the only way an event leaves the log.
	DeleteAuditBefore(ctx context.Context, t time.Time, limit int) (int, error)
}

// Dump is the whole content of a store, as a backup carries it: still
// sealed, so it is no more secret than the database itself.
type Dump struct {
	// KeyChecks are the check values of every key that sealed data here.
	KeyChecks    map[string][]byte
	Tokens       []*Token
	Namespaces   []*Namespace
	RoleBindings []*RoleBinding
	// RecordCount is how many records Records yields.
	RecordCount int
	// Records yields every record in (namespace, id) order, then stops; an
	// error ends the sequence.
	Records iter.Seq2[*Record, error]
	// Versions, when not nil, yields every version the history keeps, in
	// (namespace, id, version) order, the live ones included; it is read
	// after Records and before Audit. An export always sets it; a dump read
	// from a backup without history leaves it nil. Import keeps those of a
	// record of the dump that the store's history would keep.
	Versions iter.Seq2[*Record, error]
	// Audit, when not nil, yields the audit log, oldest first; it is read
	// after Records (a backup stores it after them). An export always sets
	// it and reads the log only if it is iterated; a dump read from a backup
	// without the audit log leaves it nil.
	Audit iter.Seq2[*AuditEvent, error]
	// Omitted names what the dump's source could not carry (a backup in an
	// older format), so that whoever restores it can be told; empty for a
	// dump of a whole store.
	Omitted []string
}

// ChangeWatcher reports committed writes to connections, namespaces and
// role bindings, so that watches wake, and, for stores that several servers
// share (KeyWatcher), writes made through any of them, so each server can
// forget what it remembers of the data.
type ChangeWatcher interface {
	// WatchChanges calls fn after writes committed by any server (at least
	// once per write, possibly once for several) until ctx is done.
	WatchChanges(ctx context.Context, fn func()) error
}

// KeyWatcher is implemented by stores that several servers share and that
// also report key rotations made through any of them, so each server seals
// with the new primary key at once instead of a retired one.
type KeyWatcher interface {
	// WatchChangesAndKeys calls onChange as WatchChanges does, and onKey
	// with the id of each new primary key a server records a check value
	// for, or with "" when such notices may have been missed.
	WatchChangesAndKeys(ctx context.Context, onChange func(), onKey func(keyID string)) error
}
