package controller

import (
	"context"
	"encoding/json"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// podDefaultGVK is Kubeflow's PodDefault, read and written unstructured so
// that the controller needs no Kubeflow module.
var podDefaultGVK = schema.FromAPIVersionAndKind(kube.PodDefaultAPIVersion, kube.PodDefaultKind)

// newPodDefault returns an empty unstructured PodDefault.
func newPodDefault() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(podDefaultGVK)
	return u
}

// applyPodDefault creates or updates the PodDefault as pd, writing only
// when its spec, labels or owner differ.
func (a *applier) applyPodDefault(ctx context.Context, t target, pd *kube.PodDefaultObject) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pd)
	if err != nil {
		return tether.Internal("controller.applyPodDefault", err)
	}
	want := &unstructured.Unstructured{Object: raw}
	t.mark(want)
	have := newPodDefault()
	err = a.api.Get(ctx, types.NamespacedName{Namespace: pd.Namespace, Name: pd.Name}, have)
	switch {
	case apierrors.IsNotFound(err):
		return a.c.Create(ctx, want)
	case meta.IsNoMatchError(err):
		return tether.Errorf(tether.EINVALID,
			"the cluster has no PodDefault resource (kubeflow.org/v1alpha1): install Kubeflow's PodDefault CRD, or remove spec.podDefault")
	case err != nil:
		return err
	}
	if !t.owns(have) {
		return t.notOwned("PodDefault", have)
	}
	if sameJSON(have.Object["spec"], want.Object["spec"]) && !labelsDiffer(have, want) && sameOwners(have, want) {
		return nil
	}
	have.Object["spec"] = want.Object["spec"]
	t.mark(have)
	return a.c.Update(ctx, have)
}

// sameJSON reports whether a and b have the same JSON form, so that the
// numbers of a decoded object compare equal to those of a converted one.
func sameJSON(a, b any) bool {
	ra, err1 := json.Marshal(a)
	rb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var na, nb any
	return json.Unmarshal(ra, &na) == nil && json.Unmarshal(rb, &nb) == nil && reflect.DeepEqual(na, nb)
}
