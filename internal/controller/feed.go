package controller

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// indexConnection is the field index of both kinds of syncs by the
// connection they deliver, "namespace/id".
const indexConnection = "spec.connection"

// connectionKey is the index key of ref.
func connectionKey(ref v1alpha1.ConnectionRef) string {
	ns := ref.Namespace
	if ns == "" {
		ns = tether.DefaultNamespace
	}
	return ns + "/" + ref.ID
}

// Backoff of the change feed's reconnections.
const (
	feedRetryMin = time.Second
	feedRetryMax = 30 * time.Second
)

// feed follows Tether's change feed over every namespace, as the
// controller's identity, and enqueues exactly the syncs that deliver a
// changed connection: the way changes reach Secrets, with no polling. The
// identity needs the viewer role in every Tether namespace whose
// connections are synced (its reading of a connection is masked: the feed
// never carries a secret).
//
// It runs on the leader only, and keeps the latest version of each
// connection, so that a reconnection's replay enqueues only what changed.
type feed struct {
	tether   tether.WatchService
	syncs    ctrlclient.Reader // with indexConnection on both kinds
	toSync   chan event.GenericEvent
	toSyncs  chan event.GenericEvent // ClusterConnectionSyncs
	log      logr.Logger
	versions map[string]int64 // by connectionKey; only Start touches it
}

func newFeed(w tether.WatchService, syncs ctrlclient.Reader, log logr.Logger) *feed {
	return &feed{tether: w, syncs: syncs, log: log, versions: map[string]int64{},
		toSync: make(chan event.GenericEvent, feedBuffer), toSyncs: make(chan event.GenericEvent, feedBuffer)}
}

// NeedLeaderElection makes the feed run on the leader only.
func (f *feed) NeedLeaderElection() bool { return true }

// Start watches until ctx is done: it resumes from the last resource
// version after a broken stream, relists when Tether no longer keeps that
// version (EGONE), and waits with a growing backoff between attempts.
func (f *feed) Start(ctx context.Context) error {
	w := &feedWatch{feed: f, ctx: ctx}
	wait := feedRetryMin
	for ctx.Err() == nil {
		if !w.resume {
			w.listed = nil // a listing starts afresh
		}
		err := f.tether.Watch(ctx, "", tether.WatchOptions{Resume: w.resume, ResourceVersion: w.rv}, w.handle)
		if ctx.Err() != nil {
			return nil
		}
		if tether.ErrorCode(err) == tether.EGONE {
			w.resume = false
		}
		if w.progressed {
			wait = feedRetryMin
		}
		w.progressed = false
		f.log.Info("change feed interrupted; watching again", "error", safeMessage(err), "after", wait.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, feedRetryMax)
	}
	return nil
}

// feedWatch is the state of the watches of one Start.
type feedWatch struct {
	*feed
	ctx        context.Context
	resume     bool
	rv         int64
	progressed bool
	// listed holds the connections of a listing (a watch without
	// resume) until its bookmark, which tells which known ones are gone.
	listed map[string]bool
}

// handle records one event and enqueues the syncs of a changed connection.
func (w *feedWatch) handle(e tether.WatchEvent) error {
	w.progressed = true
	if e.Type == tether.EventBookmark {
		w.endListing()
		w.resume, w.rv = true, e.ResourceVersion
		return nil
	}
	if e.Connection == nil {
		return nil
	}
	if w.resume {
		w.rv = e.ResourceVersion
	} else if w.listed == nil {
		w.listed = map[string]bool{}
	}
	ns := e.Connection.Namespace
	if ns == "" {
		ns = tether.DefaultNamespace
	}
	key := ns + "/" + e.Connection.ID
	if w.listed != nil {
		w.listed[key] = true
	}
	v, known := w.versions[key]
	switch {
	case e.Type == tether.ChangeDeleted:
		delete(w.versions, key)
	case known && v == e.Connection.Status.Version:
		return nil
	default:
		w.versions[key] = e.Connection.Status.Version
	}
	return w.enqueue(w.ctx, key)
}

// endListing forgets, and enqueues the syncs of, the known connections a
// listing did not show: they were deleted while no watch ran.
func (w *feedWatch) endListing() {
	if w.resume {
		return
	}
	for key := range w.versions {
		if !w.listed[key] {
			delete(w.versions, key)
			_ = w.enqueue(w.ctx, key)
		}
	}
	w.listed = nil
}

// enqueue sends the syncs of both kinds that deliver connection key to
// their reconcilers. It never fails the watch: a sync that is missed is
// caught by its resync. It returns ctx's error when ctx is done.
func (f *feed) enqueue(ctx context.Context, key string) error {
	var syncs v1alpha1.ConnectionSyncList
	if err := f.syncs.List(ctx, &syncs, ctrlclient.MatchingFields{indexConnection: key}); err != nil {
		f.log.Error(err, "list the ConnectionSyncs of a connection", "connection", key)
	}
	for i := range syncs.Items {
		if err := send(ctx, f.toSync, &syncs.Items[i]); err != nil {
			return err
		}
	}
	var cluster v1alpha1.ClusterConnectionSyncList
	if err := f.syncs.List(ctx, &cluster, ctrlclient.MatchingFields{indexConnection: key}); err != nil {
		f.log.Error(err, "list the ClusterConnectionSyncs of a connection", "connection", key)
	}
	for i := range cluster.Items {
		if err := send(ctx, f.toSyncs, &cluster.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

// feedBuffer is how many syncs the feed may enqueue ahead of the
// reconcilers' queues.
const feedBuffer = 1024

// send sends obj on ch unless ctx is done first.
func send(ctx context.Context, ch chan<- event.GenericEvent, obj ctrlclient.Object) error {
	select {
	case ch <- event.GenericEvent{Object: obj}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
