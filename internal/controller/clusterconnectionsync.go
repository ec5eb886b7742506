package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// clusterReconciler keeps each ClusterConnectionSync's connection
// delivered in every namespace its selector matches, read as the
// controller's own identity.
type clusterReconciler struct{ reconciler }

// Reconcile compares one ClusterConnectionSync's delivered objects, in
// every namespace, with Tether and the namespaces' labels, and writes what
// differs.
func (r *clusterReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s := &v1alpha1.ClusterConnectionSync{}
	if err := r.c.Get(ctx, req.NamespacedName, s); err != nil {
		if apierrors.IsNotFound(err) {
			r.expiry.forget(kindClusterSync, req.Namespace, req.Name)
		}
		return ctrl.Result{}, ctrlclient.IgnoreNotFound(err)
	}
	return r.reconcile(ctx, syncState{kind: kindClusterSync, obj: s, spec: s.Spec.DeliverySpec, ready: &s.Status.SyncStatus,
		status: &s.Status, copyStatus: func() any { return s.Status.DeepCopy() },
		deliver: func(ctx context.Context) (outcome, bool, error) {
			o, err := r.deliver(ctx, s)
			return o, false, err
		}})
}

// clusterTarget is where s delivers in namespace ns.
func clusterTarget(s *v1alpha1.ClusterConnectionSync, ns string) target {
	return target{namespace: ns, ownerKind: kindClusterSync, ownerName: s.Name, spec: s.Spec.DeliverySpec,
		ownerRef: *metav1.NewControllerRef(s, v1alpha1.GroupVersion.WithKind(kindClusterSync))}
}

// deliver reads s's connection and delivers it to every selected
// namespace, removing it (under Delete) from the namespaces that left the
// selection. It returns the outcome, or no reason with the API server's
// error.
func (r *clusterReconciler) deliver(ctx context.Context, s *v1alpha1.ClusterConnectionSync) (outcome, error) {
	sel, err := metav1.LabelSelectorAsSelector(&s.Spec.NamespaceSelector)
	if err != nil {
		return outcome{reason: v1alpha1.ReasonInvalid, message: "spec.namespaceSelector: " + err.Error()}, nil
	}
	selected, err := r.selected(ctx, sel)
	if err != nil {
		return outcome{}, err
	}
	s.Status.Namespaces = int32(len(selected))
	if err := r.prune(ctx, s, selected); err != nil {
		return outcome{}, err
	}
	c, err := r.access.reveal(ctx, s.Spec.Connection)
	if err != nil {
		o := readOutcome(err)
		if o.removes() && deleting(s.Spec.DeletionPolicy) {
			if err := r.prune(ctx, s, nil); err != nil {
				return outcome{}, err
			}
			s.Status.ReadyNamespaces = 0
		}
		return o, err
	}
	s.Status.Injection = r.apply.injection(c, s.Spec.DeliverySpec)
	return r.deliverTo(ctx, s, c, selected)
}

// deliverTo delivers c to each namespace of selected, counting those that
// hold it; the first refusal is the outcome's message.
func (r *clusterReconciler) deliverTo(ctx context.Context, s *v1alpha1.ClusterConnectionSync, c *tether.Connection, selected []string) (outcome, error) {
	o, ready := r.apply.synced(c), int32(0)
	o.refresh, o.expiry = refreshOf(c, r.now()), c.Status.Expiry
	for _, ns := range selected {
		changed, err := r.apply.apply(ctx, clusterTarget(s, ns), c)
		switch {
		case refused(err):
			if o.reason == v1alpha1.ReasonSynced {
				o = outcome{reason: readOutcome(err).reason, message: "namespace " + ns + ": " + safeMessage(err)}
			}
			continue
		case err != nil:
			return outcome{}, err
		case changed:
			r.events.Eventf(s, nil, corev1.EventTypeNormal, v1alpha1.ReasonSynced, "Deliver",
				"Secret %s/%s updated to version %d%s", ns, secretName(s.Spec.DeliverySpec), c.Status.Version, expiring(c))
		}
		ready++
	}
	s.Status.ReadyNamespaces = ready
	s.Status.DeliveredVersion = c.Status.Version
	return o, nil
}

// selected returns the namespaces sel matches that are not being deleted.
func (r *clusterReconciler) selected(ctx context.Context, sel labels.Selector) ([]string, error) {
	var list corev1.NamespaceList
	if err := r.c.List(ctx, &list, ctrlclient.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, err
	}
	var out []string
	for _, ns := range list.Items {
		if ns.DeletionTimestamp.IsZero() && ns.Status.Phase != corev1.NamespaceTerminating {
			out = append(out, ns.Name)
		}
	}
	return out, nil
}

// prune removes, under the Delete policy, what s delivered in the
// namespaces not in keep.
func (r *clusterReconciler) prune(ctx context.Context, s *v1alpha1.ClusterConnectionSync, keep []string) error {
	if !deleting(s.Spec.DeletionPolicy) {
		return nil
	}
	delivered, err := r.apply.deliveredBy(ctx, kindClusterSync, s.Name)
	if err != nil {
		return err
	}
	kept := map[string]bool{}
	for _, ns := range keep {
		kept[ns] = true
	}
	for _, ns := range delivered {
		if kept[ns] {
			continue
		}
		if _, err := r.apply.remove(ctx, clusterTarget(s, ns)); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}
