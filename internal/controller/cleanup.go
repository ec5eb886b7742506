package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether/internal/kube"
)

// remove deletes the Secret and PodDefault that t's sync delivered in t's
// namespace, and nothing it does not own. It reports whether it deleted
// anything.
func (a *applier) remove(ctx context.Context, t target) (bool, error) {
	s := &corev1.Secret{}
	removed, err := a.removeOwned(ctx, t, types.NamespacedName{Namespace: t.namespace, Name: secretName(t.spec)}, s, a.c)
	if err != nil || t.spec.PodDefault == nil {
		return removed, err
	}
	name := kube.PodDefaultName(options(t.spec, "").Name)
	pd, err := a.removeOwned(ctx, t, types.NamespacedName{Namespace: t.namespace, Name: name}, newPodDefault(), a.api)
	if meta.IsNoMatchError(err) {
		return removed, nil
	}
	return removed || pd, err
}

// removeOwned deletes the object at key, read from r into obj, if t owns it.
func (a *applier) removeOwned(ctx context.Context, t target, key types.NamespacedName, obj ctrlclient.Object, r ctrlclient.Reader) (bool, error) {
	err := r.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !t.owns(obj) {
		return false, nil
	}
	uid := obj.GetUID()
	err = a.c.Delete(ctx, obj, &ctrlclient.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// deliveredBy returns the namespaces holding a Secret that the sync of
// kind and name delivered, from the cache of managed Secrets.
func (a *applier) deliveredBy(ctx context.Context, kind, name string) ([]string, error) {
	var list corev1.SecretList
	if err := a.c.List(ctx, &list, ctrlclient.MatchingFields{indexOwner: ownerKey(kind, name)}); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list.Items))
	for _, s := range list.Items {
		out = append(out, s.Namespace)
	}
	return out, nil
}

// pruneRenamed deletes, under the Delete policy, the Secrets that t's sync
// delivered in t's namespace under a name it no longer uses (its
// secretName changed).
func (a *applier) pruneRenamed(ctx context.Context, t target) error {
	if !deleting(t.spec.DeletionPolicy) {
		return nil
	}
	var list corev1.SecretList
	err := a.c.List(ctx, &list, ctrlclient.InNamespace(t.namespace),
		ctrlclient.MatchingFields{indexOwner: ownerKey(t.ownerKind, t.ownerName)})
	if err != nil {
		return err
	}
	keep := secretName(t.spec)
	for i := range list.Items {
		s := &list.Items[i]
		if s.Name == keep || !t.owns(s) {
			continue
		}
		uid := s.UID
		err := a.c.Delete(ctx, s, &ctrlclient.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}
