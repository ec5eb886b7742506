package controller

import (
	"context"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// Direct delivery: a connection that refers to the user's own Secret or
// ConfigMap, or is a volume, has no Secret of Tether's own (kube.OwnSecret).
// The controller then delivers only the PodDefault (and the webhook's
// injection), which names those objects: it never reads, writes, owns or
// deletes them. A Secret it delivered for the connection before (when it
// held its credentials) is removed under the Delete policy, as one it no
// longer uses.

// applyDirect delivers c, of type typ, to t without a Secret: the
// PodDefault if asked for, and the restart targets.
func (a *applier) applyDirect(ctx context.Context, t target, c *tether.Connection, typ *tether.ConnectionType) error {
	o := options(t.spec, t.namespace)
	var pd *kube.PodDefaultObject
	if t.spec.PodDefault != nil {
		var err error
		if pd, err = kube.PodDefault(c, typ, o); err != nil {
			return err
		}
		if t.spec.PodDefault.Desc != "" {
			pd.Spec.Desc = t.spec.PodDefault.Desc
		}
	}
	if deleting(t.spec.DeletionPolicy) {
		key := types.NamespacedName{Namespace: t.namespace, Name: secretName(t.spec)}
		if _, err := a.removeOwned(ctx, t, key, &corev1.Secret{}, a.c); err != nil {
			return err
		}
	}
	if err := a.pruneRenamed(ctx, t); err != nil {
		return err
	}
	if pd != nil {
		if err := a.applyPodDefault(ctx, t, pd); err != nil {
			return err
		}
	}
	if a.restart != nil && len(t.spec.RestartTargets) > 0 {
		return a.restart(ctx, t.namespace, t.spec, deliveryHash(c, t.spec))
	}
	return nil
}

// synced is the outcome of a delivery of c that holds its current version.
func (a *applier) synced(c *tether.Connection) outcome {
	o := synced(c.Status.Version)
	t := a.types.Type(c.Spec.Type)
	if t == nil {
		return o
	}
	if own, err := kube.OwnSecret(c, t); err != nil || own {
		return o
	}
	o.message = "version " + strconv.FormatInt(c.Status.Version, 10) + " of the connection " + directFrom(c) +
		": delivered by the PodDefault and the webhook only, with no Secret of Tether's"
	return o
}

// directFrom says what a connection delivered directly is delivered
// from, and that the controller leaves the user's objects alone.
func directFrom(c *tether.Connection) string {
	var refs []string
	if r := c.Spec.SecretRef; r != nil {
		refs = append(refs, "Secret "+r.Name)
	}
	if r := c.Spec.ConfigMapRef; r != nil {
		refs = append(refs, "ConfigMap "+r.Name)
	}
	if len(refs) == 0 {
		return "is a volume"
	}
	return "refers to " + strings.Join(refs, " and ") + " of the namespace, which the controller never writes nor deletes"
}
