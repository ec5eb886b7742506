package controller

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/internal/kube"
)

// The labels and annotation of the delivered objects: the controller
// manages (and its cache holds) only Secrets labelled managed-by, and each
// object names the sync that owns it, which a Secret's change is mapped
// back to.
const (
	labelManagedBy   = kube.ManagedByLabel
	managedBy        = kube.ManagedBy
	labelOwnerKind   = "tether.ml/owner-kind"
	annotationOwner  = "tether.ml/owner"
	kindSync         = "ConnectionSync"
	kindClusterSync  = "ClusterConnectionSync"
	finalizerCleanup = "tether.ml/cleanup"
)

// target is where and for whom a connection is delivered: a namespace, the
// sync that owns the objects there, and how.
type target struct {
	namespace string
	ownerKind string // kindSync or kindClusterSync
	ownerName string
	ownerRef  metav1.OwnerReference
	spec      v1alpha1.DeliverySpec
}

// applier writes the delivered objects of a target, only when they differ
// from what they should be.
type applier struct {
	c     ctrlclient.Client // Secrets from the cache of managed Secrets
	api   ctrlclient.Reader // the API server itself
	types tether.TypeRegistry
	// restart gives the spec's restart targets the hash of what was
	// delivered, which rolls them out when it changes. Nil does nothing.
	restart func(ctx context.Context, ns string, spec v1alpha1.DeliverySpec, hash string) error
}

// options returns the kube.DeliveryOptions of spec in namespace ns for the
// connection of id. The Secret is named secretName(spec) even when the
// PodDefault has a label of its own: the restart targets, the removal and
// the pruning of renamed Secrets all look for it there.
func options(spec v1alpha1.DeliverySpec, ns string) kube.DeliveryOptions {
	o := kube.DeliveryOptions{Name: spec.Connection.ID, SecretName: secretName(spec), Namespace: ns}
	if pd := spec.PodDefault; pd != nil {
		if pd.Label != "" {
			o.Name = pd.Label
		}
		o.MountPath, o.Items, o.Prefix = pd.MountPath, pd.Items, pd.Prefix
	}
	return o
}

// secretName is the name of the Secret that spec delivers.
func secretName(spec v1alpha1.DeliverySpec) string {
	if spec.SecretName != "" {
		return spec.SecretName
	}
	return spec.Connection.ID
}

// injection returns what a pod gets to receive the connection c as spec
// delivers it: the PodDefault's env, volumes and mounts, also when spec
// asks for no PodDefault. Nil when the connection's type needs a mount
// path that spec does not give.
func (a *applier) injection(c *tether.Connection, spec v1alpha1.DeliverySpec) *v1alpha1.PodInjection {
	t := a.types.Type(c.Spec.Type)
	if t == nil {
		return nil
	}
	pd, err := kube.PodDefault(c, t, options(spec, ""))
	if err != nil {
		return nil
	}
	return &v1alpha1.PodInjection{Env: pd.Spec.Env, Volumes: pd.Spec.Volumes, VolumeMounts: pd.Spec.VolumeMounts}
}

// apply delivers c to t: the Secret, and the PodDefault if asked for;
// only the latter for a connection that has no Secret of Tether's own
// (applyDirect).
// It reports whether the Secret's data changed. An existing Secret or
// PodDefault that the controller does not manage, or that another sync
// owns, is EINVALID naming it.
func (a *applier) apply(ctx context.Context, t target, c *tether.Connection) (bool, error) {
	typ := a.types.Type(c.Spec.Type)
	if typ == nil {
		return false, tether.Errorf(tether.EINVALID, "connection %s/%s has type %q, which the controller cannot render",
			c.Namespace, c.ID, c.Spec.Type)
	}
	if own, err := kube.OwnSecret(c, typ); err != nil || !own {
		if err != nil {
			return false, err
		}
		return false, a.applyDirect(ctx, t, c, typ)
	}
	o := options(t.spec, t.namespace)
	want, err := kube.Secret(c, typ, o)
	if err != nil {
		return false, err
	}
	var pd *kube.PodDefaultObject
	if t.spec.PodDefault != nil {
		if pd, err = kube.PodDefault(c, typ, o); err != nil {
			return false, err
		}
		if t.spec.PodDefault.Desc != "" {
			pd.Spec.Desc = t.spec.PodDefault.Desc
		}
	}
	changed, err := a.applySecret(ctx, t, want)
	if err != nil {
		return false, err
	}
	if err := a.pruneRenamed(ctx, t); err != nil {
		return changed, err
	}
	if pd != nil {
		if err := a.applyPodDefault(ctx, t, pd); err != nil {
			return changed, err
		}
	}
	if a.restart != nil && len(t.spec.RestartTargets) > 0 {
		// every time, not only when the data changed: a target added
		// later, or one that was missing, gets the annotation too; a
		// target already annotated with the hash costs a read, no write
		return changed, a.restart(ctx, t.namespace, t.spec, deliveryHash(c, t.spec))
	}
	return changed, nil
}

// refused reports whether err, from apply, is a refusal that the sync's
// status reports rather than a failure of the API server to retry: an
// object the sync may not take over or render (EINVALID), or restart
// targets that are missing (ENOTFOUND) or may not be annotated
// (EFORBIDDEN), after the Secret was delivered.
func refused(err error) bool {
	switch tether.ErrorCode(err) {
	case tether.EINVALID, tether.ENOTFOUND, tether.EFORBIDDEN:
		return true
	}
	return false
}

// deliveryHash is the hash the restart targets' pod templates get: hex
// SHA-256 over what the Secret's data follows from: the connection's name
// and version, the Secret's name and the mount path (files or variables).
// It changes whenever the delivered data does, and holds no secret, not
// even a digest of one (a digest of a weak password could be guessed
// offline by anyone who may read the workload). Options that shape only
// the pods (items, prefix, label, restart targets) leave it as it is.
func deliveryHash(c *tether.Connection, spec v1alpha1.DeliverySpec) string {
	mount := ""
	if spec.PodDefault != nil {
		mount = spec.PodDefault.MountPath
	}
	raw, _ := json.Marshal(struct {
		Connection string
		Version    int64
		Secret     string
		MountPath  string
	}{c.Namespace + "/" + c.ID, c.Status.Version, secretName(spec), mount})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// mark gives obj the labels, annotation and owner reference of t.
func (t target) mark(obj metav1.Object) {
	labels := maps.Clone(obj.GetLabels())
	if labels == nil {
		labels = map[string]string{}
	}
	labels[labelManagedBy], labels[labelOwnerKind] = managedBy, t.ownerKind
	obj.SetLabels(labels)
	ann := maps.Clone(obj.GetAnnotations())
	if ann == nil {
		ann = map[string]string{}
	}
	ann[annotationOwner] = t.ownerName
	obj.SetAnnotations(ann)
	obj.SetOwnerReferences(t.owners())
}

// owners returns the owner references of t's objects: the sync under the
// Delete policy, so that a cluster's garbage collector removes them with
// it; none under Retain, which it would otherwise defeat.
func (t target) owners() []metav1.OwnerReference {
	if !deleting(t.spec.DeletionPolicy) {
		return nil
	}
	return []metav1.OwnerReference{t.ownerRef}
}

// owns reports whether obj is managed by the controller for t's sync.
func (t target) owns(obj metav1.Object) bool {
	return obj.GetLabels()[labelManagedBy] == managedBy && obj.GetLabels()[labelOwnerKind] == t.ownerKind &&
		obj.GetAnnotations()[annotationOwner] == t.ownerName
}

// notOwned is the error of an object t may not take over.
func (t target) notOwned(kind string, obj metav1.Object) error {
	if obj.GetLabels()[labelManagedBy] == managedBy {
		return tether.Errorf(tether.EINVALID, "%s %s/%s is delivered by %s %s: give this sync another name for it",
			kind, t.namespace, obj.GetName(), obj.GetLabels()[labelOwnerKind], obj.GetAnnotations()[annotationOwner])
	}
	return tether.Errorf(tether.EINVALID, "%s %s/%s exists and is not managed by %s: delete it or give this sync another name for it",
		kind, t.namespace, obj.GetName(), managedBy)
}

// applySecret creates or updates the Secret as want, writing only when its
// data, type, labels or owner differ. It reports whether the data changed.
func (a *applier) applySecret(ctx context.Context, t target, want *corev1.Secret) (bool, error) {
	t.mark(want)
	have := &corev1.Secret{}
	key := types.NamespacedName{Namespace: want.Namespace, Name: want.Name}
	err := a.c.Get(ctx, key, have)
	if apierrors.IsNotFound(err) {
		// not in the cache of managed Secrets: most often absent, so it
		// is created at once; one that exists (not ours, or not in the
		// cache yet) is read from the API server only then, which saves
		// the API server a read per first delivery
		if err = a.c.Create(ctx, want); !apierrors.IsAlreadyExists(err) {
			return err == nil, err
		}
		err = a.api.Get(ctx, key, have)
	}
	if err != nil {
		return false, err
	}
	if !t.owns(have) {
		return false, t.notOwned("Secret", have)
	}
	if have.Type != want.Type { // immutable: replace it
		if err := a.c.Delete(ctx, have, ctrlclient.Preconditions{UID: &have.UID}); err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		return true, a.c.Create(ctx, want)
	}
	dataChanged := !sameData(have.Data, want.Data)
	if !dataChanged && !labelsDiffer(have, want) && sameOwners(have, want) {
		return false, nil
	}
	have.Data = want.Data
	t.mark(have)
	return dataChanged, a.c.Update(ctx, have)
}

// sameData reports whether a and b hold the same keys and values.
func sameData(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, bytes.Equal)
}

// labelsDiffer reports whether have lacks one of want's labels or
// annotations.
func labelsDiffer(have, want metav1.Object) bool {
	for k, v := range want.GetLabels() {
		if have.GetLabels()[k] != v {
			return true
		}
	}
	for k, v := range want.GetAnnotations() {
		if have.GetAnnotations()[k] != v {
			return true
		}
	}
	return false
}

// sameOwners reports whether have and want have the same owner references.
func sameOwners(have, want metav1.Object) bool {
	h, w := have.GetOwnerReferences(), want.GetOwnerReferences()
	if len(h) != len(w) {
		return false
	}
	for i := range h {
		if h[i].UID != w[i].UID || h[i].Kind != w[i].Kind || h[i].Name != w[i].Name {
			return false
		}
	}
	return true
}
