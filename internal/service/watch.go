package service

import (
	"context"
	"time"

	"github.com/tether-ml/tether"
)

// watchBatch is how many changes a watch reads from the store at once.
const watchBatch = 500

// Wake tells the watches that the store changed: call it on the store's
// change notifications (every write, through any server).
func (s *Connections) Wake() { s.feed.wake() }

// Watch streams the changes of the connections of ns, or of every
// namespace the caller may read for ns ""; see tether.WatchService. It
// reads the store's change log after each wake (Wake) and, as a safety
// net, at every bookmark.
func (s *Connections) Watch(ctx context.Context, ns string, opts tether.WatchOptions, fn func(tether.WatchEvent) error) error {
	if ns != "" {
		if err := s.check(ctx, tether.PermRead, ns, "connection.watch", ""); err != nil {
			return err
		}
		if _, err := s.store.GetNamespace(ctx, ns); err != nil {
			return err
		}
	} else if tether.IdentityFrom(ctx) == nil {
		return tether.Errorf(tether.EUNAUTHORIZED, "authentication required")
	}
	w := &watcher{s: s, ns: ns, fn: fn, rv: opts.ResourceVersion}
	if opts.Bookmark <= 0 {
		opts.Bookmark = tether.DefaultBookmarkInterval
	}
	if err := w.start(ctx, opts.Resume); err != nil {
		return err
	}
	return w.follow(ctx, opts.Bookmark)
}

// watcher is one watch being served.
type watcher struct {
	s  *Connections
	ns string // "" for every namespace the caller may read
	fn func(tether.WatchEvent) error
	rv int64 // the resource version of the last event sent
}

// start sends the initial events: with resume, none, once the changes
// after w.rv are known to be kept; without, an ADDED event per connection.
// A bookmark follows either way.
func (w *watcher) start(ctx context.Context, resume bool) error {
	if resume {
		if _, err := w.s.store.Changes(ctx, w.rv, 1); err != nil {
			return err
		}
	} else if err := w.list(ctx); err != nil {
		return err
	}
	return w.bookmark()
}

// list sends an ADDED event for every connection the caller may read,
// page by page, and sets w.rv to the version read before the first page:
// the list shows every write up to it, and the changes after it follow, so
// nothing is missed. A write that commits while the list is read may show
// in the list and again as a change.
func (w *watcher) list(ctx context.Context) error {
	before, err := w.s.store.ResourceVersion(ctx)
	if err != nil {
		return err
	}
	names, err := w.namespaces(ctx)
	if err != nil {
		return err
	}
	for _, ns := range names {
		for opts := (tether.ListOptions{Limit: watchBatch}); ; {
			recs, err := w.s.store.ListRecords(ctx, ns, opts)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := w.send(tether.ChangeAdded, before, r); err != nil {
					return err
				}
			}
			if len(recs) < opts.Limit {
				break
			}
			opts.After = recs[len(recs)-1].ID
		}
	}
	w.rv = before
	return nil
}

// namespaces returns the namespaces the watch covers that the caller may
// read.
func (w *watcher) namespaces(ctx context.Context) ([]string, error) {
	if w.ns != "" {
		return []string{w.ns}, nil
	}
	all, err := w.s.store.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range all {
		if w.allowed(ctx, n.Name) == nil {
			names = append(names, n.Name)
		}
	}
	return names, nil
}

// follow sends the changes as they commit until ctx is done or the watch
// fails.
func (w *watcher) follow(ctx context.Context, every time.Duration) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		wake, gen := w.s.feed.wait()
		sent, err := w.catchUp(ctx, gen)
		if err != nil {
			return err
		}
		if sent > 0 {
			tick.Reset(every)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-tick.C:
			_, gen := w.s.feed.wait()
			if _, err := w.catchUp(ctx, gen); err != nil {
				return err
			}
			if err := w.bookmark(); err != nil {
				return err
			}
		}
	}
}

// catchUp sends every change after w.rv that the caller may read, and
// reports how many it sent; gen is the count of wakes noted before. A
// watch of one namespace ends, with its error, as soon as the caller may
// no longer read it.
func (w *watcher) catchUp(ctx context.Context, gen uint64) (int, error) {
	sent := 0
	for {
		if w.ns != "" {
			if err := w.allowed(ctx, w.ns); err != nil {
				return sent, accessLost(w.ns, err)
			}
		}
		changes, err := w.s.feed.changes(ctx, w.s.store, w.rv, gen, watchBatch)
		if err != nil || len(changes) == 0 {
			return sent, err
		}
		for _, c := range changes {
			n, err := w.change(ctx, c)
			if err != nil {
				return sent, err
			}
			sent += n
		}
	}
}

// change sends c if the watch covers it and the caller may read it, and
// reports whether it did.
func (w *watcher) change(ctx context.Context, c *tether.Change) (int, error) {
	ns := c.Record.Namespace
	visible := (w.ns == "" || ns == w.ns) && w.allowed(ctx, ns) == nil
	if !visible {
		w.rv = c.ResourceVersion
		return 0, nil
	}
	return 1, w.send(c.Type, c.ResourceVersion, c.Record)
}

// send sends an event of record r, masked, and moves w.rv to rv.
func (w *watcher) send(typ string, rv int64, r *tether.Record) error {
	conn, err := toConnection(r)
	if err != nil {
		return err
	}
	w.rv = rv
	return w.fn(tether.WatchEvent{Type: typ, ResourceVersion: rv, Connection: conn})
}

// bookmark sends a bookmark of w.rv.
func (w *watcher) bookmark() error {
	return w.fn(tether.WatchEvent{Type: tether.EventBookmark, ResourceVersion: w.rv})
}

// allowed checks, with the caller's current role bindings, that it may
// read ns.
func (w *watcher) allowed(ctx context.Context, ns string) error {
	return authorize(ctx, w.s.authz, tether.PermRead, ns)
}

// accessLost is the error that ends a watch of ns whose caller may no
// longer read it.
func accessLost(ns string, err error) error {
	if code := tether.ErrorCode(err); code != tether.EFORBIDDEN && code != tether.ENOTFOUND {
		return err
	}
	return tether.Errorf(tether.EFORBIDDEN, "the watch of namespace %q ended: the caller may no longer read it", ns)
}
