package controller

import (
	"context"
	"fmt"
	"net/url"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// notebookAccess keeps the access-tether PodDefault (kube.AccessPodDefault)
// in the namespaces that ClusterConnectionSyncs select: notebooks that
// carry its label reach Tether at URL with a projected token of their
// ServiceAccount for Audience, as Kubeflow Pipelines' access-ml-pipeline
// PodDefault gives them the pipelines API.
type notebookAccess struct{ URL, Audience string }

// ensure creates or corrects the access-tether PodDefault of ns, writing
// only when it differs from what it should be. A PodDefault of that name
// that the controller does not manage is left alone: ECONFLICT.
func (n notebookAccess) ensure(ctx context.Context, c client.Client, ns string) error {
	const op = "controller.notebookAccess.ensure"
	if err := n.check(); err != nil {
		return err
	}
	want, err := toUnstructured(kube.AccessPodDefault(ns, n.URL, n.Audience))
	if err != nil {
		return tether.Internal(op, err)
	}
	got := newPodDefault()
	err = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: kube.AccessName}, got)
	switch {
	case apierrors.IsNotFound(err):
		return accessError(op, c.Create(ctx, want))
	case err != nil:
		return accessError(op, err)
	case got.GetLabels()[kube.ManagedByLabel] != kube.ManagedBy:
		return tether.Errorf(tether.ECONFLICT, "namespace %s has a PodDefault %s that %s does not manage: left as it is",
			ns, kube.AccessName, kube.ManagedBy)
	case equality.Semantic.DeepEqual(got.Object["spec"], want.Object["spec"]):
		return nil
	}
	got.Object["spec"] = want.Object["spec"]
	return accessError(op, c.Update(ctx, got))
}

// remove deletes the access-tether PodDefault of ns if the controller
// manages it; one it does not manage, or none, is no error.
func (n notebookAccess) remove(ctx context.Context, c client.Client, ns string) error {
	const op = "controller.notebookAccess.remove"
	got := newPodDefault()
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: kube.AccessName}, got)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return accessError(op, err)
	case got.GetLabels()[kube.ManagedByLabel] != kube.ManagedBy:
		return nil
	}
	// The preconditions keep a PodDefault put there since the Get, by
	// someone else, from being deleted.
	uid, rv := got.GetUID(), got.GetResourceVersion()
	err = c.Delete(ctx, got, client.Preconditions{UID: &uid, ResourceVersion: &rv})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return accessError(op, err)
}

// check refuses a URL that is not absolute http(s), or no audience.
func (n notebookAccess) check() error {
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return tether.Errorf(tether.EINVALID, "notebook URL: want an absolute http or https URL without user or password, e.g. https://tether.example")
	}
	if n.Audience == "" {
		return tether.Errorf(tether.EINVALID, "notebook access: the token audience is empty")
	}
	return nil
}

// toUnstructured converts obj to its unstructured form.
func toUnstructured(obj any) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// accessError maps an error of the API server: nil stays nil, a conflict is
// ECONFLICT (retry), a refusal EFORBIDDEN, no PodDefault kind or an
// invalid object EINVALID, anything else EUNAVAILABLE.
func accessError(op string, err error) error {
	code := tether.EUNAVAILABLE
	switch {
	case err == nil:
		return nil
	case apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		code = tether.ECONFLICT
	case apierrors.IsForbidden(err):
		code = tether.EFORBIDDEN
	case meta.IsNoMatchError(err):
		return &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "the cluster serves no kubeflow.org/v1alpha1 PodDefault: install Kubeflow's PodDefault CRD", Err: err}
	case apierrors.IsInvalid(err):
		code = tether.EINVALID
	}
	return &tether.Error{Code: code, Op: op, Message: fmt.Sprintf("PodDefault %s: %s", kube.AccessName, apierrors.ReasonForError(err)), Err: err}
}
