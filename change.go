package tether

import (
	"context"
	"strconv"
)

// Change types, named as Kubernetes names the events of a watch.
const (
	ChangeAdded    = "ADDED"
	ChangeModified = "MODIFIED"
	ChangeDeleted  = "DELETED"
)

// DefaultChangeHistory is how many changes a store keeps unless told
// otherwise: a watcher that falls further behind must list again.
const DefaultChangeHistory = 10000

// Change is one committed write to a connection, as the change log keeps
// it. ResourceVersion is store-wide: it increases with every change, in
// the order the writes committed, so a reader of the changes after a
// version never misses one that commits later. Record is the record as
// stored (still sealed); for ChangeDeleted, its last state.
type Change struct {
	ResourceVersion int64
	Type            string // ChangeAdded, ChangeModified or ChangeDeleted
	// Record is the record as written (for a deletion, its last state)
	// without its sealed values: Sealed is nil and KeyID empty, so that
	// the log holds no secret, nor a copy sealed with a retired key.
	Record *Record
}

// ChangeLog is the store's bounded history of connection writes. Every
// write to a connection (create, update, delete, the forced deletion of a
// namespace, a restore) appends its change in the same transaction; the
// oldest changes beyond the store's history are dropped. Re-wrapping a
// record with a new key is not a change: its content stays the same.
type ChangeLog interface {
	// Changes returns up to limit (> 0) changes after the resource version
	// after, oldest first; none if after is the latest. It fails with
	// EGONE when changes after after are no longer kept, and with EINVALID
	// for a negative after.
	Changes(ctx context.Context, after int64, limit int) ([]*Change, error)
	// ResourceVersion returns the version of the latest change, 0 before
	// the first.
	ResourceVersion(ctx context.Context) (int64, error)
}

// CheckChangesAfter is the check every store makes of a read of the change
// log: the changes after after that the read returned are complete if the
// oldest change the log kept when (or after) they were read is at most
// after+1, or if the log was empty (oldest 0). A store reads the oldest
// after the changes, so that trimming between the two reads can only make
// the check stricter, never hide a change that was dropped.
func CheckChangesAfter(op string, after, oldest int64) error {
	if after < 0 {
		return &Error{Code: EINVALID, Op: op, Message: "the resource version must not be negative"}
	}
	if oldest > 0 && after < oldest-1 {
		return ChangesGone(op, after)
	}
	return nil
}

// ChangesGone is the EGONE error for a read of the changes after a version
// older than the history kept.
func ChangesGone(op string, after int64) *Error {
	return &Error{Code: EGONE, Op: op, Message: "resource version " + strconv.FormatInt(after, 10) +
		" is too old: the changes after it are no longer kept; list again"}
}

// CheckChangeLimit returns the EINVALID error for a limit a change log
// cannot serve, or nil.
func CheckChangeLimit(op string, limit int) error {
	if limit <= 0 {
		return &Error{Code: EINVALID, Op: op, Message: "the limit of a read of changes must be positive"}
	}
	return nil
}
