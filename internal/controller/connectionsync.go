package controller

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// syncReconciler keeps each ConnectionSync's connection delivered in its
// namespace, read as the ServiceAccount the sync names.
type syncReconciler struct {
	c      ctrlclient.Client
	access *access
	apply  *applier
	events recorder.EventRecorder
	resync time.Duration
	now    func() time.Time
}

// Reconcile compares one ConnectionSync's delivered objects with Tether and
// writes what differs.
func (r *syncReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s := &v1alpha1.ConnectionSync{}
	if err := r.c.Get(ctx, req.NamespacedName, s); err != nil {
		return ctrl.Result{}, ctrlclient.IgnoreNotFound(err)
	}
	t := syncTarget(s)
	if !s.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, s, t)
	}
	if !controllerutil.ContainsFinalizer(s, finalizerCleanup) {
		controllerutil.AddFinalizer(s, finalizerCleanup)
		if err := r.c.Update(ctx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	old := s.Status.DeepCopy()
	o, recorded, err := r.deliver(ctx, s, t)
	if o.reason == "" { // the API server failed: retry
		return ctrl.Result{}, err
	}
	setReady(&s.Status, s.Generation, o)
	if touch(&s.Status, old, &s.Status.LastSyncTime, r.now()) {
		// one Event per change: a second one of the same reason and
		// action on the same object would become an Event series (a
		// create and a patch that race, and their retries)
		if !recorded && (readyReason(old) != o.reason || o.reason != v1alpha1.ReasonSynced) {
			r.events.Eventf(s, nil, eventType(o), o.reason, "Deliver", "%s", o.message)
		}
		if err := r.c.Status().Update(ctx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	if o.retry {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: resyncAfter(s.Spec.DeliverySpec, r.resync)}, nil
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
	o := synced(c.Status.Version)
	if changed {
		r.events.Eventf(s, nil, eventType(o), o.reason, "Deliver", "Secret %s updated to version %d of %s/%s",
			secretName(s.Spec.DeliverySpec), c.Status.Version, s.Spec.Connection.Namespace, s.Spec.Connection.ID)
	}
	return o, changed, nil
}

// finalize removes what s delivered, under the Delete policy, then lets s
// go.
func (r *syncReconciler) finalize(ctx context.Context, s *v1alpha1.ConnectionSync, t target) error {
	if !controllerutil.ContainsFinalizer(s, finalizerCleanup) {
		return nil
	}
	if deleting(s.Spec.DeletionPolicy) {
		if _, err := r.apply.remove(ctx, t); err != nil {
			return err
		}
	}
	controllerutil.RemoveFinalizer(s, finalizerCleanup)
	err := r.c.Update(ctx, s)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
