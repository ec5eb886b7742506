package controller

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// notebookReconciler keeps the access-tether PodDefault in exactly the
// namespaces that at least one ClusterConnectionSync selects: a namespace
// that a cluster sync gives connections also gives its notebooks access
// to Tether as their own ServiceAccount.
type notebookReconciler struct {
	c      ctrlclient.Client
	access notebookAccess
	resync time.Duration
}

// addNotebookReconciler adds to mgr the reconciler of the access-tether
// PodDefaults, one request per namespace.
func addNotebookReconciler(mgr ctrl.Manager, n notebookAccess, resync time.Duration) error {
	if err := n.check(); err != nil {
		return err
	}
	skip := true
	err := ctrl.NewControllerManagedBy(mgr).For(&corev1.Namespace{}).Named("notebookaccess").
		Watches(&v1alpha1.ClusterConnectionSync{}, handler.EnqueueRequestsFromMapFunc(allNamespaces(mgr.GetClient()))).
		WithOptions(controller.Options{SkipNameValidation: &skip, RateLimiter: retryLimiter()}).
		Complete(&notebookReconciler{c: mgr.GetClient(), access: n, resync: resync})
	if err != nil {
		return tether.Internal("controller.addNotebookReconciler", err)
	}
	return nil
}

// Reconcile puts the access-tether PodDefault in the namespace if a
// cluster sync selects it, and takes it away if none does.
func (r *notebookReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.c.Get(ctx, req.NamespacedName, ns); err != nil {
		return ctrl.Result{}, ctrlclient.IgnoreNotFound(err)
	}
	if !ns.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	selected, err := r.selected(ctx, ns)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !selected {
		// no resync: a namespace no cluster sync selects has nothing to
		// keep, and a change of the syncs or of its labels brings it back
		return ctrl.Result{}, r.access.remove(ctx, r.c, ns.Name)
	}
	if err := r.access.ensure(ctx, r.c, ns.Name); err != nil {
		return ctrl.Result{}, err
	}
	// the PodDefault is not watched: one edited by hand is put back here
	return ctrl.Result{RequeueAfter: r.resync}, nil
}

// selected reports whether a ClusterConnectionSync that is not being
// deleted selects ns.
func (r *notebookReconciler) selected(ctx context.Context, ns *corev1.Namespace) (bool, error) {
	var list v1alpha1.ClusterConnectionSyncList
	if err := r.c.List(ctx, &list); err != nil {
		return false, err
	}
	for _, s := range list.Items {
		sel, err := metav1.LabelSelectorAsSelector(&s.Spec.NamespaceSelector)
		if err == nil && s.DeletionTimestamp.IsZero() && sel.Matches(labels.Set(ns.Labels)) {
			return true, nil
		}
	}
	return false, nil
}

// allNamespaces maps a ClusterConnectionSync's change to every namespace:
// it may now select any of them, or no longer.
func allNamespaces(c ctrlclient.Reader) handler.MapFunc {
	return func(ctx context.Context, _ ctrlclient.Object) []reconcile.Request {
		var list corev1.NamespaceList
		if err := c.List(ctx, &list); err != nil {
			return nil
		}
		out := make([]reconcile.Request, 0, len(list.Items))
		for _, ns := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: ctrlclient.ObjectKey{Name: ns.Name}})
		}
		return out
	}
}
