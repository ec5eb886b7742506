package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// checksumPrefix is the prefix of the pod-template annotation that holds
// the hash of a delivered Secret's data: checksum.tether.ml/<secret>.
const checksumPrefix = "checksum.tether.ml/"

// checksumAnnotation returns the annotation that carries the hash of
// Secret secretName: its name part is the Secret's name, or beyond 63
// characters (the API server's limit on a name part) its first 54
// characters, "-" and 8 hex digits of its SHA-256, so that two long names
// sharing a start still get two annotations.
func checksumAnnotation(secretName string) string {
	if len(secretName) <= 63 {
		return checksumPrefix + secretName
	}
	sum := sha256.Sum256([]byte(secretName))
	return checksumPrefix + secretName[:54] + "-" + hex.EncodeToString(sum[:])[:8]
}

// restartTargets sets, on the pod template of each target of namespace ns,
// the checksum annotation of Secret secretName to hash, so that a change
// of the Secret's data rolls the workload out again, as the Vault Secrets
// Operator's rolloutRestartTargets do. A target whose annotation already
// holds hash is not written: an unchanged Secret costs no write and no
// rollout. A missing or failing target does not stop the others; the
// error names every one of them (kind/name), ENOTFOUND when all are
// missing, else the code of the first other failure.
func restartTargets(ctx context.Context, c client.Client, ns string, targets []v1alpha1.RestartTarget, secretName, hash string) error {
	key := checksumAnnotation(secretName)
	var missing, failed []string
	var first error
	for _, t := range targets {
		err := restartTarget(ctx, c, types.NamespacedName{Namespace: ns, Name: t.Name}, t.Kind, key, hash)
		switch {
		case err == nil:
		case apierrors.IsNotFound(err):
			missing = append(missing, string(t.Kind)+"/"+t.Name)
		default:
			failed = append(failed, string(t.Kind)+"/"+t.Name)
			if first == nil {
				first = err
			}
		}
	}
	return restartError(ns, missing, failed, first)
}

// restartError is the error of restartTargets for the targets of ns that
// were missing or failed, nil when there are none.
func restartError(ns string, missing, failed []string, first error) error {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("not found in namespace %s: %s", ns, strings.Join(missing, ", ")))
	}
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("could not be annotated in namespace %s: %s", ns, strings.Join(failed, ", ")))
	}
	if len(parts) == 0 {
		return nil
	}
	code := tether.ENOTFOUND
	var te *tether.Error
	switch {
	case first == nil:
	case errors.As(first, &te):
		code = te.Code
	case apierrors.IsForbidden(first):
		code = tether.EFORBIDDEN
	default:
		code = tether.EUNAVAILABLE
	}
	return &tether.Error{Code: code, Op: "controller.restartTargets",
		Message: "restart targets " + strings.Join(parts, "; "), Err: first}
}

// restartTarget sets annotation key to hash on the pod template of the
// workload of kind at name, unless it holds hash already.
func restartTarget(ctx context.Context, c client.Client, name types.NamespacedName, kind v1alpha1.RestartKind, key, hash string) error {
	obj, tmpl, err := workload(kind)
	if err != nil {
		return err
	}
	if err := c.Get(ctx, name, obj); err != nil {
		return err
	}
	if tmpl.Annotations[key] == hash {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{key: hash}}}}})
	if err != nil {
		return tether.Internal("controller.restartTarget", err)
	}
	return c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))
}

// workload returns an empty object of kind and its pod template, which
// Get fills.
func workload(kind v1alpha1.RestartKind) (client.Object, *corev1.PodTemplateSpec, error) {
	switch kind {
	case v1alpha1.RestartDeployment:
		o := &appsv1.Deployment{}
		return o, &o.Spec.Template, nil
	case v1alpha1.RestartStatefulSet:
		o := &appsv1.StatefulSet{}
		return o, &o.Spec.Template, nil
	case v1alpha1.RestartDaemonSet:
		o := &appsv1.DaemonSet{}
		return o, &o.Spec.Template, nil
	}
	return nil, nil, tether.Errorf(tether.EINVALID, "restart target kind %q: want Deployment, StatefulSet or DaemonSet", kind)
}
