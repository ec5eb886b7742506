package delivery

import (
	"github.com/tether-ml/tether"
)

// OnHost returns why connection c cannot be delivered to a job on the
// host (tether run, Env, Materialize, the rendered variables and files),
// or nil: a connection that refers to a Kubernetes Secret or ConfigMap
// has nothing of its own to reveal, and is delivered only inside
// Kubernetes (a PodDefault, the controller, its webhook). The error is
// EINVALID.
func OnHost(c *tether.Connection) error {
	switch {
	case c.Spec.SecretRef != nil:
		return insideOnly(c, "refers to Kubernetes Secret "+c.Spec.SecretRef.Name)
	case c.Spec.ConfigMapRef != nil:
		return insideOnly(c, "refers to Kubernetes ConfigMap "+c.Spec.ConfigMapRef.Name)
	}
	return nil
}

// RenderedOnHost returns why r, the rendering of connection c, cannot be
// delivered to a job on the host, or nil: a volume claim exists only
// inside Kubernetes. A node's directory (a HostPath volume) is delivered
// as its path, in the volume's PathEnv, which r carries.
func RenderedOnHost(c *tether.Connection, r *tether.Rendering) error {
	for _, v := range r.Volumes {
		if v.ClaimName != "" {
			return insideOnly(c, "is Kubernetes PersistentVolumeClaim "+v.ClaimName)
		}
	}
	return nil
}

// insideOnly is the refusal of connection c, which what says.
func insideOnly(c *tether.Connection, what string) error {
	return tether.Errorf(tether.EINVALID,
		"connection %s %s: it is delivered only inside Kubernetes (tether conn render --as poddefault, or the controller)",
		c.ID, what)
}
