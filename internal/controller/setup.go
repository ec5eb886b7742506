package controller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/delivery"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// setup adds the reconcilers, the change feed and, if configured, the
// webhook to mgr.
func setup(ctx context.Context, mgr ctrl.Manager, cfg Config) error {
	const op = "controller.setup"
	own, err := client.NewClientFromConfig(cfg.Tether)
	if err != nil {
		return err
	}
	core, err := kubernetes.NewForConfig(mgr.GetConfig())
	if err != nil {
		return tether.Internal(op, err)
	}
	if err := addIndexes(ctx, mgr); err != nil {
		return tether.Internal(op, err)
	}
	acc := &access{own: own, tokens: newTokens(core, cfg.Audience)}
	ap := &applier{c: mgr.GetClient(), api: mgr.GetAPIReader(), types: delivery.Types(), restart: restartHook(mgr.GetClient())}
	f := newFeed(own, mgr.GetClient(), mgr.GetLogger().WithName("feed"))
	if err := mgr.Add(f); err != nil {
		return tether.Internal(op, err)
	}
	if err := addReconcilers(mgr, cfg, acc, ap, f); err != nil {
		return err
	}
	if cfg.NotebookURL != "" {
		n := notebookAccess{URL: cfg.NotebookURL, Audience: cfg.Audience}
		if err := addNotebookReconciler(mgr, n, cmpDuration(cfg.ResyncInterval, DefaultResyncInterval)); err != nil {
			return err
		}
	}
	if cfg.Webhook {
		return setupWebhook(mgr)
	}
	return nil
}

// addReconcilers adds the reconcilers of both kinds, fed by the change
// feed f and by the changes of the objects they deliver.
func addReconcilers(mgr ctrl.Manager, cfg Config, acc *access, ap *applier, f *feed) error {
	const op = "controller.addReconcilers"
	expiry, err := newExpiryGauge(metrics.Registry)
	if err != nil {
		return tether.Internal(op, err)
	}
	base := reconciler{c: mgr.GetClient(), access: acc, apply: ap, events: mgr.GetEventRecorder("tether-controller"),
		resync: cmpDuration(cfg.ResyncInterval, DefaultResyncInterval), now: time.Now, expiry: expiry}
	// Names are checked for uniqueness across the process, which would
	// refuse a second Run in one process (a restarted controller, tests).
	skip := true
	opts := controller.Options{MaxConcurrentReconciles: max(cfg.MaxConcurrentReconciles, 1), SkipNameValidation: &skip,
		RateLimiter: retryLimiter()}
	err = ctrl.NewControllerManagedBy(mgr).For(&v1alpha1.ConnectionSync{}, builder.WithPredicates(syncChanged())).
		Named("connectionsync").
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(ownerOf(kindSync)), builder.WithPredicates(notCreated())).
		WatchesRawSource(source.Channel(f.toSync, &handler.EnqueueRequestForObject{})).
		WithOptions(opts).
		Complete(&syncReconciler{base})
	if err != nil {
		return tether.Internal(op, err)
	}
	err = ctrl.NewControllerManagedBy(mgr).For(&v1alpha1.ClusterConnectionSync{}, builder.WithPredicates(syncChanged())).
		Named("clusterconnectionsync").
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(ownerOf(kindClusterSync)), builder.WithPredicates(notCreated())).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(allClusterSyncs(mgr.GetClient()))).
		WatchesRawSource(source.Channel(f.toSyncs, &handler.EnqueueRequestForObject{})).
		WithOptions(opts).
		Complete(&clusterReconciler{base})
	if err != nil {
		return tether.Internal(op, err)
	}
	return nil
}

// syncChanged lets through the changes of a sync that ask for a
// reconcile: its spec (generation), labels or annotations (`kubectl
// annotate` asks for one at once), and the start of its deletion. Not its
// status nor its finalizers, which only the controller writes: each of
// its own writes would otherwise read the connection from Tether again.
func syncChanged() predicate.Predicate {
	deleting := predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{},
		predicate.AnnotationChangedPredicate{}, deleting)
}

// notCreated lets through every change of a delivered Secret but its
// creation, which is the controller's own (or, at start, one the syncs'
// own reconciles cover): an edit or a deletion by hand is put back.
func notCreated() predicate.Predicate {
	return predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}
}

// restartHook returns what gives a sync's restart targets the hash of
// what was delivered (restartTargets), through c.
func restartHook(c ctrlclient.Client) func(ctx context.Context, ns string, spec v1alpha1.DeliverySpec, hash string) error {
	return func(ctx context.Context, ns string, spec v1alpha1.DeliverySpec, hash string) error {
		return restartTargets(ctx, c, ns, spec.RestartTargets, secretName(spec), hash)
	}
}

// addIndexes indexes both kinds of syncs by the connection they deliver,
// and the managed Secrets by the sync that delivered them.
func addIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	err := idx.IndexField(ctx, &v1alpha1.ConnectionSync{}, indexConnection, func(o ctrlclient.Object) []string {
		return []string{connectionKey(o.(*v1alpha1.ConnectionSync).Spec.Connection)}
	})
	if err != nil {
		return err
	}
	err = idx.IndexField(ctx, &v1alpha1.ClusterConnectionSync{}, indexConnection, func(o ctrlclient.Object) []string {
		return []string{connectionKey(o.(*v1alpha1.ClusterConnectionSync).Spec.Connection)}
	})
	if err != nil {
		return err
	}
	return idx.IndexField(ctx, &corev1.Secret{}, indexOwner, secretOwner)
}

// indexOwner is the field index of the managed Secrets by the sync that
// delivered them (ownerKey): a sync lists its own Secrets without reading,
// and copying, those of every other sync in the namespace or cluster.
const indexOwner = "tether.ml/owner"

// ownerKey is the indexOwner value of the sync of kind and name.
func ownerKey(kind, name string) string { return kind + "/" + name }

// secretOwner is the indexOwner value of a managed Secret, if it names
// its sync.
func secretOwner(o ctrlclient.Object) []string {
	name := o.GetAnnotations()[annotationOwner]
	if o.GetLabels()[labelManagedBy] != managedBy || name == "" {
		return nil
	}
	return []string{ownerKey(o.GetLabels()[labelOwnerKind], name)}
}

// ownerOf maps a delivered Secret to the sync of kind that owns it, so
// that a Secret edited or deleted by hand is put back.
func ownerOf(kind string) handler.MapFunc {
	return func(_ context.Context, o ctrlclient.Object) []reconcile.Request {
		if o.GetLabels()[labelManagedBy] != managedBy || o.GetLabels()[labelOwnerKind] != kind {
			return nil
		}
		name := o.GetAnnotations()[annotationOwner]
		if name == "" {
			return nil
		}
		req := reconcile.Request{}
		req.Name = name
		if kind == kindSync {
			req.Namespace = o.GetNamespace()
		}
		return []reconcile.Request{req}
	}
}

// allClusterSyncs maps a namespace's change to every ClusterConnectionSync:
// any of them may now select it, or no longer.
func allClusterSyncs(c ctrlclient.Reader) handler.MapFunc {
	return func(ctx context.Context, _ ctrlclient.Object) []reconcile.Request {
		var list v1alpha1.ClusterConnectionSyncList
		if err := c.List(ctx, &list); err != nil {
			return nil
		}
		out := make([]reconcile.Request, 0, len(list.Items))
		for _, s := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: ctrlclient.ObjectKey{Name: s.Name}})
		}
		return out
	}
}

// Backoff of a sync whose reconcile failed (Tether or the API server
// unreachable): short at first, and never so long that a recovered
// Tether waits long for the syncs to be Ready again.
const (
	retryMin = 500 * time.Millisecond
	retryMax = 2 * time.Minute
)

// retryLimiter is the backoff of failed reconciles.
func retryLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](retryMin, retryMax)
}

// cmpDuration is d, or def when d is not positive.
func cmpDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
