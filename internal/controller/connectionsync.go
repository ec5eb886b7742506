package controller

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// syncReconciler keeps each ConnectionSync's connection delivered in its
// namespace, read as the ServiceAccount the sync names.
type syncReconciler struct{ reconciler }

// Reconcile compares one ConnectionSync's delivered objects with Tether and
// writes what differs.
func (r *syncReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s := &v1alpha1.ConnectionSync{}
	if err := r.c.Get(ctx, req.NamespacedName, s); err != nil {
		if apierrors.IsNotFound(err) {
			r.expiry.forget(kindSync, req.Namespace, req.Name)
		}
		return ctrl.Result{}, ctrlclient.IgnoreNotFound(err)
	}
	t := syncTarget(s)
	return r.reconcile(ctx, syncState{kind: kindSync, obj: s, spec: s.Spec.DeliverySpec, ready: &s.Status,
		status: &s.Status, copyStatus: func() any { return s.Status.DeepCopy() },
		deliver: func(ctx context.Context) (outcome, bool, error) { return r.deliver(ctx, s, t) }})
}

// syncTarget is where s delivers.
func syncTarget(s *v1alpha1.ConnectionSync) target {
	return target{namespace: s.Namespace, ownerKind: kindSync, ownerName: s.Name, spec: s.Spec.DeliverySpec,
		ownerRef: *metav1.NewControllerRef(s, v1alpha1.GroupVersion.WithKind(kindSync))}
}

// deliver reads s's connection as its ServiceAccount and delivers it,
// recording what a pod gets in s's status. It returns the outcome and
// whether an Event reports it already, or no reason with the API server's
// error. Tether's refusal removes what was delivered (under Delete); its
// silence never does.
func (r *syncReconciler) deliver(ctx context.Context, s *v1alpha1.ConnectionSync, t target) (outcome, bool, error) {
	sa := s.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	c, err := r.access.revealAs(ctx, s.Namespace, sa, s.Spec.Connection)
	if err != nil {
		o := readOutcome(err)
		if o.removes() && deleting(s.Spec.DeletionPolicy) {
			removed, rerr := r.apply.remove(ctx, t)
			if rerr != nil {
				return outcome{}, false, rerr
			}
			if removed {
				s.Status.DeliveredVersion = 0
				r.events.Eventf(s, nil, eventType(o), o.reason, "Remove", "Secret %s removed (deletionPolicy Delete)", secretName(t.spec))
			}
		}
		return o, false, err
	}
	s.Status.Injection = r.apply.injection(c, s.Spec.DeliverySpec)
	changed, err := r.apply.apply(ctx, t, c)
	switch tether.ErrorCode(err) {
	case "":
	case tether.EINVALID:
		return readOutcome(err), false, nil
	case tether.ENOTFOUND, tether.EFORBIDDEN:
		// restart targets missing or refused: the Secret is delivered,
		// and the status says which targets were not annotated
		s.Status.DeliveredVersion = c.Status.Version
		return readOutcome(err), false, nil
	default:
		return outcome{}, false, err
	}
	s.Status.DeliveredVersion = c.Status.Version
	o := r.apply.synced(c)
	o.refresh, o.expiry = refreshOf(c, r.now()), c.Status.Expiry
	if changed {
		r.events.Eventf(s, nil, eventType(o), o.reason, "Deliver", "Secret %s updated to version %d of %s/%s%s",
			secretName(s.Spec.DeliverySpec), c.Status.Version, s.Spec.Connection.Namespace, s.Spec.Connection.ID, expiring(c))
	}
	return o, changed, nil
}
