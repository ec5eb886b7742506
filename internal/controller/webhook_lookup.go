package controller

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// delivered is a connection a pod asked for and the sync that delivers it
// to the pod's namespace.
type delivered struct {
	Connection string // namespace/id
	Sync       string // ConnectionSync/<name> or ClusterConnectionSync/<name>
	Injection  *v1alpha1.PodInjection
}

// syncCandidate is a sync that delivers a connection to a namespace.
type syncCandidate struct {
	name   string // kind/name
	status *v1alpha1.SyncStatus
}

// findInjections returns, for each connection of refs, the injection of
// a sync that delivers it to namespace ns, read from r. ConnectionSyncs
// of ns come first, then ClusterConnectionSyncs whose selector matches
// ns, each kind by name: the first that has an injection gives it. A
// connection no sync delivers, or no sync has delivered yet, is EINVALID
// naming it, the namespace and, from the sync's Ready condition, why it is
// not delivered; a failure to read is EUNAVAILABLE.
func findInjections(ctx context.Context, r client.Reader, ns string, refs []v1alpha1.ConnectionRef) ([]delivered, error) {
	cands, err := syncsOf(ctx, r, ns)
	if err != nil {
		return nil, err
	}
	out := make([]delivered, 0, len(refs))
	for _, ref := range refs {
		d, err := pickSync(ns, ref, cands[annotationRef(ref)])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// pickSync returns the injection of the first candidate that has one.
func pickSync(ns string, ref v1alpha1.ConnectionRef, cands []syncCandidate) (delivered, error) {
	conn := annotationRef(ref)
	if len(cands) == 0 {
		return delivered{}, tether.Errorf(tether.EINVALID,
			"connection %s is not delivered to namespace %s: no ConnectionSync of the namespace, nor ClusterConnectionSync selecting it, delivers it",
			conn, ns)
	}
	for _, c := range cands {
		if c.status.Injection != nil {
			return delivered{Connection: conn, Sync: c.name, Injection: c.status.Injection}, nil
		}
	}
	first, why := cands[0], "it has not been delivered yet"
	if ready := meta.FindStatusCondition(first.status.Conditions, "Ready"); ready != nil && ready.Message != "" {
		why = ready.Message
	}
	return delivered{}, tether.Errorf(tether.EINVALID,
		"connection %s cannot be injected into pods of namespace %s: %s has no injection for pods: %s",
		conn, ns, first.name, why)
}

// syncsOf returns the syncs that deliver to namespace ns, by connection
// (namespace/id), ConnectionSyncs first, each kind sorted by name.
func syncsOf(ctx context.Context, r client.Reader, ns string) (map[string][]syncCandidate, error) {
	const op = "controller.syncsOf"
	var local v1alpha1.ConnectionSyncList
	if err := r.List(ctx, &local, client.InNamespace(ns)); err != nil {
		return nil, readError(op, "ConnectionSyncs", err)
	}
	var cluster v1alpha1.ClusterConnectionSyncList
	if err := r.List(ctx, &cluster); err != nil {
		return nil, readError(op, "ClusterConnectionSyncs", err)
	}
	var nsObj corev1.Namespace
	if err := r.Get(ctx, client.ObjectKey{Name: ns}, &nsObj); err != nil {
		return nil, readError(op, "namespace "+ns, err)
	}
	sort.Slice(local.Items, func(i, j int) bool { return local.Items[i].Name < local.Items[j].Name })
	sort.Slice(cluster.Items, func(i, j int) bool { return cluster.Items[i].Name < cluster.Items[j].Name })
	out := map[string][]syncCandidate{}
	for i := range local.Items {
		s := &local.Items[i]
		ref := annotationRef(s.Spec.Connection)
		out[ref] = append(out[ref], syncCandidate{"ConnectionSync/" + s.Name, &s.Status})
	}
	for i := range cluster.Items {
		s := &cluster.Items[i]
		sel, err := metav1.LabelSelectorAsSelector(&s.Spec.NamespaceSelector)
		if err != nil || !sel.Matches(labels.Set(nsObj.Labels)) {
			continue // an invalid selector selects nothing, as for the reconciler
		}
		ref := annotationRef(s.Spec.Connection)
		out[ref] = append(out[ref], syncCandidate{"ClusterConnectionSync/" + s.Name, &s.Status.SyncStatus})
	}
	return out, nil
}

// readError is the error of a failure to read what from the API server:
// EUNAVAILABLE, since retrying may help.
func readError(op, what string, err error) error {
	msg := fmt.Sprintf("cannot read %s", what)
	if apierrors.IsForbidden(err) {
		msg += ": the controller is not allowed to"
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: msg, Err: err}
}
