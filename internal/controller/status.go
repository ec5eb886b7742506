package controller

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// synced is the outcome of a delivery that holds the connection's current
// version.
func synced(version int64) outcome {
	return outcome{reason: v1alpha1.ReasonSynced, message: "the Secret holds version " + strconv.FormatInt(version, 10) + " of the connection"}
}

// setReady records o in status as the Ready condition of generation gen.
func setReady(status *v1alpha1.SyncStatus, gen int64, o outcome) {
	cond := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: o.reason, Message: o.message, ObservedGeneration: gen}
	if o.reason == v1alpha1.ReasonSynced {
		cond.Status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&status.Conditions, cond)
	status.ObservedGeneration = gen
}

// readyReason is the reason of status's Ready condition, or "".
func readyReason(status *v1alpha1.SyncStatus) string {
	if c := meta.FindStatusCondition(status.Conditions, v1alpha1.ConditionReady); c != nil {
		return c.Reason
	}
	return ""
}

// touch sets the last sync time of status to now if it differs from old
// in anything else, and reports whether it differs: a status is written
// only when something changed, so that an idle controller writes nothing.
func touch(status, old any, last **metav1.Time, now time.Time) bool {
	if equality.Semantic.DeepEqual(status, old) {
		return false
	}
	t := metav1.NewTime(now.Truncate(time.Second))
	*last = &t
	return true
}

// eventType is the type of the Event that reports o.
func eventType(o outcome) string {
	if o.reason == v1alpha1.ReasonSynced {
		return corev1.EventTypeNormal
	}
	return corev1.EventTypeWarning
}

// resyncAfter is how long after a reconcile a sync of spec is compared
// with Tether again: spec's interval, else the controller's.
func resyncAfter(spec v1alpha1.DeliverySpec, def time.Duration) time.Duration {
	if spec.ResyncInterval != nil && spec.ResyncInterval.Duration > 0 {
		return spec.ResyncInterval.Duration
	}
	return def
}

// minRefresh is the least wait before delivering again a credential whose
// refresh point has passed: the server then exchanges a new one, so the
// next delivery is not the same credential again.
const minRefresh = time.Second

// requeueAfter is when a synced sync is delivered again: at its resync
// interval, or sooner at the refresh point of its short-lived credential
// (tether.Expiry.RefreshAt, the rule the server's reuse follows too), so
// that the Secret is rewritten well before the credential expires.
func requeueAfter(resync time.Duration, refresh, now time.Time) time.Duration {
	if refresh.IsZero() {
		return resync
	}
	return min(resync, max(refresh.Sub(now), minRefresh))
}

// refreshOf is the refresh point of the credential c carries, received at
// now; zero if it does not expire.
func refreshOf(c *tether.Connection, now time.Time) time.Time {
	if c.Status.Expiry == nil {
		return time.Time{}
	}
	return c.Status.Expiry.RefreshAt(now)
}

// deleting reports whether policy removes the delivered objects.
func deleting(policy v1alpha1.DeletionPolicy) bool {
	return policy != v1alpha1.DeletionPolicyRetain
}

// expiring is what an Event says of c's short-lived credential: "" for
// one that does not expire, else ", <what> until <time>".
func expiring(c *tether.Connection) string {
	e := c.Status.Expiry
	if e == nil {
		return ""
	}
	return ", " + e.What + " until " + e.At.UTC().Format(time.RFC3339)
}
