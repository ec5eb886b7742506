package tether

import (
	"context"
	"time"
)

// Event types of a watch beyond the change types: a BOOKMARK carries only
// the current resource version; an ERROR ends the stream.
const (
	EventBookmark = "BOOKMARK"
	EventError    = "ERROR"
)

// DefaultBookmarkInterval is how often a watch sends a bookmark unless
// told otherwise.
const DefaultBookmarkInterval = 30 * time.Second

// WatchEvent is one event of a watch: a change of a connection (masked,
// never a secret), a bookmark, or the error that ends the stream.
type WatchEvent struct {
	Type            string // ChangeAdded, ChangeModified, ChangeDeleted, EventBookmark or EventError
	ResourceVersion int64
	Connection      *Connection // the masked connection; nil for a bookmark or an error
	Err             error       // the error of an EventError
}

// WatchOptions say where a watch starts and how it keeps in touch.
type WatchOptions struct {
	// Resume starts the watch with the changes after ResourceVersion
	// (EGONE if they are no longer kept). Without it, the watch starts
	// with an ADDED event for every connection the caller may read, then
	// a bookmark, then the changes after what they showed.
	Resume          bool
	ResourceVersion int64
	// Bookmark is how often a bookmark is sent when nothing else is, and
	// how often the caller's access is checked again when nothing changes.
	// Zero means DefaultBookmarkInterval.
	Bookmark time.Duration
}

// WatchService streams the changes of connections.
type WatchService interface {
	// Watch calls fn with each event of the connections of ns, or of every
	// namespace the caller may read for ns "", as the writes commit, in
	// resource version order, until ctx is done (it then returns nil), fn
	// returns an error (returned), or the watch fails: the caller no
	// longer may read ns (EFORBIDDEN or ENOTFOUND), its resource version
	// is too old (EGONE), or the store fails. A bookmark follows the
	// initial events, and every opts.Bookmark when nothing else happens.
	// The caller's access is checked again for every event.
	Watch(ctx context.Context, ns string, opts WatchOptions, fn func(WatchEvent) error) error
}
