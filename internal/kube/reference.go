package kube

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether"
)

// Direct delivery: a connection that refers to the user's own Secret or
// ConfigMap (spec.secret, spec.configMap), or whose type is storage (a
// rendering of volumes, with no secret), has no Secret of Tether's own.
// Its PodDefault takes everything from the objects it names: the items of
// a reference as variables (one secretKeyRef or configMapKeyRef each,
// never envFrom, for the reason PodDefault gives), or the object mounted
// read-only at the reference's mountPath (its items, if given, as the
// files); a volume mounted at its mount path, with the variable that
// says where (tether.Volume.PathEnv) set to it. The referenced objects
// are only named, never read or written.

// direct is the Kubernetes form of a connection delivered directly.
type direct struct {
	c      *tether.Connection
	t      *tether.ConnectionType
	opts   DeliveryOptions // Name defaulted
	spec   PodDefaultSpec
	mounts map[string]bool // mount paths taken
}

// OwnSecret reports whether c, of type t, is delivered from a Secret of
// Tether's own (Secret returns it), rather than directly from the objects
// it refers to or as volumes. c must be valid and revealed.
func OwnSecret(c *tether.Connection, t *tether.ConnectionType) (bool, error) {
	d, err := newDirect(c, t, DeliveryOptions{Name: "x"})
	return d == nil && err == nil, err
}

// newDirect returns the direct delivery of c, or nil if c is delivered
// from a Secret of Tether's own.
func newDirect(c *tether.Connection, t *tether.ConnectionType, o DeliveryOptions) (*direct, error) {
	if c == nil || t == nil || t.Render == nil || c.Spec.Type != t.Name {
		return nil, tether.Internal("kube.newDirect", fmt.Errorf("connection and type do not match"))
	}
	var r *tether.Rendering
	if !holdsSecrets(t) {
		var err error
		if r, err = t.Render(c, ""); err != nil {
			return nil, err
		}
	}
	if !c.Spec.Refers() && (r == nil || len(r.Volumes) == 0) {
		return nil, nil
	}
	o, err := checkOptions(c, o)
	if err != nil {
		return nil, err
	}
	if o.MountPath != "" || len(o.Items) > 0 {
		return nil, tether.Errorf(tether.EINVALID, "connection %s %s, which says where and what it delivers: omit --mount-path and --items",
			c.ID, directWhat(c))
	}
	d := &direct{c: c, t: t, opts: o, mounts: map[string]bool{}}
	d.reference(c.Spec.SecretRef, "secret")
	d.reference(c.Spec.ConfigMapRef, "config")
	if r != nil {
		if err := d.volumes(r); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// holdsSecrets reports whether connections of t may hold a secret, which
// a reference leaves empty: such a type is not rendered for a reference.
func holdsSecrets(t *tether.ConnectionType) bool {
	for _, f := range t.Fields {
		if f.Secret {
			return true
		}
	}
	for _, p := range t.Parameters {
		if p.Secret {
			return true
		}
	}
	return t.FreeParameters
}

// directWhat says what c is delivered from, for messages.
func directWhat(c *tether.Connection) string {
	var parts []string
	if r := c.Spec.SecretRef; r != nil {
		parts = append(parts, "refers to Kubernetes Secret "+r.Name)
	}
	if r := c.Spec.ConfigMapRef; r != nil {
		parts = append(parts, "refers to Kubernetes ConfigMap "+r.Name)
	}
	if len(parts) == 0 {
		return "is a volume"
	}
	return strings.Join(parts, " and ")
}

// reference adds what a pod gets from the referenced object: kind is
// "secret" or "config".
func (d *direct) reference(r *tether.ObjectRef, kind string) {
	if r == nil {
		return
	}
	if r.MountPath == "" {
		for _, item := range r.Items {
			d.spec.Env = append(d.spec.Env, keyRef(d.opts.Prefix+item, r.Name, item, kind))
		}
		return
	}
	var items []corev1.KeyToPath
	for _, item := range r.Items {
		items = append(items, corev1.KeyToPath{Key: item, Path: item})
	}
	name := fit("tether-"+d.opts.Name+"-"+kind, 63, d.opts.Name+"/"+kind)
	src := corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Items: items}}
	if kind == "secret" {
		mode := secretFileMode
		src = corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: r.Name, Items: items, DefaultMode: &mode}}
	}
	d.spec.Volumes = append(d.spec.Volumes, corev1.Volume{Name: name, VolumeSource: src})
	d.spec.VolumeMounts = append(d.spec.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: r.MountPath, ReadOnly: true})
	d.mounts[r.MountPath] = true
}

// keyRef is the variable name that takes its value from key of the
// Secret (kind "secret") or ConfigMap named obj.
func keyRef(name, obj, key, kind string) corev1.EnvVar {
	ref := corev1.LocalObjectReference{Name: obj}
	if kind == "secret" {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref, Key: key}}}
	}
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref, Key: key}}}
}

// volumes adds r's volumes, mounted, and r's variables (no secret: its
// type holds none), each volume's PathEnv set to its mount path.
func (d *direct) volumes(r *tether.Rendering) error {
	env := r.ValueEnv()
	for i, v := range r.Volumes {
		if d.mounts[v.MountPath] {
			return tether.Errorf(tether.EINVALID, "connection %s mounts two volumes at %s", d.c.ID, v.MountPath)
		}
		d.mounts[v.MountPath] = true
		name := fit(fmt.Sprintf("tether-%s-volume-%d", d.opts.Name, i), 63, fmt.Sprintf("%s/volume/%d", d.opts.Name, i))
		src := corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: v.HostPath}}
		if v.ClaimName != "" {
			src = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
				ClaimName: v.ClaimName, ReadOnly: v.ReadOnly}}
		}
		d.spec.Volumes = append(d.spec.Volumes, corev1.Volume{Name: name, VolumeSource: src})
		d.spec.VolumeMounts = append(d.spec.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: v.MountPath, ReadOnly: v.ReadOnly})
		if v.PathEnv != "" {
			env[v.PathEnv] = v.MountPath
		}
	}
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d.spec.Env = append(d.spec.Env, corev1.EnvVar{Name: d.opts.Prefix + name, Value: env[name]})
	}
	return nil
}

// podDefault returns the PodDefault of the direct delivery, named and
// marked as PodDefault documents.
func (d *direct) podDefault() *PodDefaultObject {
	spec := d.spec
	spec.Selector = metav1.LabelSelector{MatchLabels: map[string]string{d.opts.Name: "true"}}
	spec.Desc = d.c.Spec.Description
	if spec.Desc == "" {
		spec.Desc = fmt.Sprintf("Tether connection %s (%s)", d.c.ID, d.t.Name)
	}
	spec.Env = append(spec.Env, corev1.EnvVar{Name: d.opts.Prefix + markerName(d.t.Name), Value: d.opts.Name})
	return &PodDefaultObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: PodDefaultAPIVersion, Kind: PodDefaultKind},
		ObjectMeta: metav1.ObjectMeta{Name: PodDefaultName(d.opts.Name), Namespace: d.opts.Namespace},
		Spec:       spec,
	}
}

// noSecret is the error of asking for the Secret of a direct delivery.
func (d *direct) noSecret() error {
	return tether.Errorf(tether.EINVALID, "connection %s %s: it has no Secret of Tether's own, only a PodDefault (--as poddefault)",
		d.c.ID, directWhat(d.c))
}
