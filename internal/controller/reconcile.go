package controller

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/tether-ml/tether/api/v1alpha1"
)

// reconciler is what the reconcilers of both kinds share: the clients,
// the Event recorder, the default resync interval, and the steps every
// sync goes through (reconcile).
type reconciler struct {
	c      ctrlclient.Client
	access *access
	apply  *applier
	events recorder.EventRecorder
	resync time.Duration
	now    func() time.Time
	expiry *expiryGauge
}

// syncState is one sync, of either kind, as reconcile handles it.
type syncState struct {
	kind  string // kindSync or kindClusterSync
	obj   ctrlclient.Object
	spec  v1alpha1.DeliverySpec
	ready *v1alpha1.SyncStatus // where the Ready condition and last sync time are
	// status is the whole status and copyStatus a deep copy of it: it is
	// written only when it differs from what it was.
	status     any
	copyStatus func() any
	// deliver delivers the sync, returning the outcome, whether an Event
	// reports it already, and the error (with no reason when the API
	// server failed).
	deliver func(context.Context) (outcome, bool, error)
}

// reconcile takes s through the steps of every sync: release it if it is
// being deleted, else deliver it, record the Ready condition, write the
// status only if it changed (with one Event), and say when to come back:
// at once with backoff when Tether or the API server failed, else at the
// resync interval or, sooner, when the delivered short-lived credential is
// due for refresh.
//
// A sync has no finalizer: what it delivers under the Delete policy
// carries its owner reference, and the cluster's garbage collector
// removes it with the sync, also while the controller is down. A
// finalizer would cost every sync one more write of its own on its first
// delivery, the most expensive kind the API server has (a custom
// resource's update), and hold its deletion while the controller is
// away.
func (r *reconciler) reconcile(ctx context.Context, s syncState) (ctrl.Result, error) {
	if !s.obj.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, r.release(ctx, s.obj)
	}
	old := s.copyStatus()
	oldReason := readyReason(s.ready)
	o, recorded, err := s.deliver(ctx)
	if o.reason == "" { // the API server failed: retry
		return ctrl.Result{}, err
	}
	setReady(s.ready, s.obj.GetGeneration(), o)
	if touch(s.status, old, &s.ready.LastSyncTime, r.now()) {
		// one Event per change: a second one of the same reason and
		// action on the same object would become an Event series (a
		// create and a patch that race, and their retries)
		if !recorded && (oldReason != o.reason || o.reason != v1alpha1.ReasonSynced) {
			r.events.Eventf(s.obj, nil, eventType(o), o.reason, "Deliver", "%s", o.message)
		}
		if err := r.c.Status().Update(ctx, s.obj); err != nil {
			return ctrl.Result{}, err
		}
	}
	r.recordExpiry(s, o)
	if o.retry {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: requeueAfter(resyncAfter(s.spec, r.resync), o.refresh, r.now())}, nil
}

// recordExpiry keeps the expiry gauge of s true to what it holds
// delivered: the new credential's expiry once delivered, none once what it
// delivered is removed; a failed delivery leaves the former credential,
// and its expiry, in place.
func (r *reconciler) recordExpiry(s syncState, o outcome) {
	switch {
	case o.reason == v1alpha1.ReasonSynced:
		r.expiry.set(s.kind, s.obj.GetNamespace(), s.obj.GetName(), o.expiry)
	case o.removes() && deleting(s.spec.DeletionPolicy):
		r.expiry.forget(s.kind, s.obj.GetNamespace(), s.obj.GetName())
	}
}

// release lets a sync being deleted go. Only a sync written by an earlier
// version of the controller, which added the finalizer finalizerCleanup
// and removed what it delivered itself, still has anything to release:
// what it delivered carries its owner reference all the same.
func (r *reconciler) release(ctx context.Context, obj ctrlclient.Object) error {
	if !controllerutil.RemoveFinalizer(obj, finalizerCleanup) {
		return nil
	}
	return ctrlclient.IgnoreNotFound(r.c.Update(ctx, obj))
}
