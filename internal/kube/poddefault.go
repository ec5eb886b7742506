package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tether-ml/tether"
)

// PodDefaultObject is Kubeflow's PodDefault (kubeflow.org/v1alpha1), with
// the fields Tether sets: Kubeflow's admission webhook adds its env, envFrom,
// volumes and volumeMounts to every pod its selector matches, and the
// notebook spawner offers it by its desc.
type PodDefaultObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              PodDefaultSpec `json:"spec"`
}

// PodDefaultSpec is the spec of a PodDefaultObject.
type PodDefaultSpec struct {
	Selector     metav1.LabelSelector   `json:"selector"`
	Desc         string                 `json:"desc,omitempty"`
	Env          []corev1.EnvVar        `json:"env,omitempty"`
	EnvFrom      []corev1.EnvFromSource `json:"envFrom,omitempty"`
	Volumes      []corev1.Volume        `json:"volumes,omitempty"`
	VolumeMounts []corev1.VolumeMount   `json:"volumeMounts,omitempty"`
}

// PodDefault APIVersion and Kind.
const (
	PodDefaultAPIVersion = "kubeflow.org/v1alpha1"
	PodDefaultKind       = "PodDefault"
)

// secretFileMode is the mode of mounted connection files: readable by
// their owner only, as ssh requires of a private key.
const secretFileMode int32 = 0o400

// PodDefault returns the PodDefault that gives connection c, of type t, to
// the pods labelled <Name>: "true", from the Secret that Secret returns
// for the same options. Its desc is the connection's description, or
// "Tether connection <id> (<type>)".
//
// Its name is Name, shortened with a hash beyond 52 characters: Kubeflow's
// webhook marks each pod it changes with the annotation
// poddefault.admission.kubeflow.org/poddefault-<name>, whose name part
// the API server limits to 63 characters.
//
// In env mode (no MountPath) the pods get every key of the Secret as a
// variable, or with Items only the listed keys; an item that is not a key
// of the Secret is EINVALID. Each variable is an env entry from a
// secretKeyRef, never envFrom: Kubeflow's webhook refuses a pod to which
// two PodDefaults give one variable with different definitions (and names
// the variable), but appends envFrom entries unchecked, which would give
// a pod the keys of one connection with the endpoint of another.
// Connections whose secrets only their files carry (gcs, docker, git)
// cannot be delivered so: EINVALID, asking for --mount-path.
//
// In mount mode the Secret is a volume mounted read-only at MountPath,
// whose items give every key its file's path (.dockerconfigjson appears
// as config.json, ssh-privatekey as id_key, certs.d/<host>/ca.crt keeps
// its tree), with mode 0400. The variables that carry no secret are
// plain env entries, pointing at MountPath (DOCKER_CONFIG,
// AWS_SHARED_CREDENTIALS_FILE, GIT_SSH_COMMAND,
// GOOGLE_APPLICATION_CREDENTIALS, the region...); those that carry one
// are left out, since the files hold the credentials. A connection with
// no files (azureblob) cannot be mounted: EINVALID.
//
// In both modes the PodDefault also sets TETHER_<TYPE>_CONNECTION (the
// type in upper case) to Name. Two PodDefaults of one namespace have
// different names, so two connections of one type given to one pod
// always define that variable differently, and the webhook refuses the
// pod rather than mix them; with a different Prefix each, no variable is
// shared and both apply (mounted at different paths).
//
// The volume is named "tether-<Name>" (shortened with a hash beyond 63
// characters), unique per connection as Kubeflow requires across
// PodDefaults.
//
// A connection that refers to the user's Secret or ConfigMap, or is a
// volume, has no Secret of Tether's own: its PodDefault names those
// objects or volumes (see reference.go), and o's MountPath and Items,
// which its spec decides, must be empty.
func PodDefault(c *tether.Connection, t *tether.ConnectionType, o DeliveryOptions) (*PodDefaultObject, error) {
	if dd, err := newDirect(c, t, o); dd != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return dd.podDefault(), nil
	}
	d, err := newDelivery(c, t, o)
	if err != nil {
		return nil, err
	}
	if d.opts.MountPath == "" && !d.envMode {
		return nil, tether.Errorf(tether.EINVALID, "%s connections are delivered as files: give --mount-path", t.Name)
	}
	meta := d.meta()
	meta.Name = PodDefaultName(d.opts.Name)
	pd := &PodDefaultObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: PodDefaultAPIVersion, Kind: PodDefaultKind},
		ObjectMeta: meta,
		Spec: PodDefaultSpec{
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{d.opts.Name: "true"}},
			Desc:     c.Spec.Description,
		},
	}
	if pd.Spec.Desc == "" {
		pd.Spec.Desc = fmt.Sprintf("Tether connection %s (%s)", c.ID, t.Name)
	}
	switch {
	case d.opts.MountPath != "":
		d.mount(&pd.Spec)
	case len(d.opts.Items) > 0:
		if err := d.items(&pd.Spec); err != nil {
			return nil, err
		}
	default:
		for _, k := range sortedKeys(d.data) {
			pd.Spec.Env = append(pd.Spec.Env, d.fromSecret(k))
		}
	}
	pd.Spec.Env = append(pd.Spec.Env, corev1.EnvVar{Name: d.opts.Prefix + markerName(t.Name), Value: d.opts.Name})
	return pd, nil
}

// markerName is the variable that names the objects delivering a
// connection of type typ: TETHER_<TYPE>_CONNECTION.
func markerName(typ string) string {
	upper := strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			return r
		}
		return '_'
	}, typ)
	return "TETHER_" + upper + "_CONNECTION"
}

// fromSecret is the variable, named key after the prefix, that takes its
// value from the Secret's key.
func (d *delivery) fromSecret(key string) corev1.EnvVar {
	return corev1.EnvVar{Name: d.opts.Prefix + key, ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: d.opts.SecretName}, Key: key}}}
}

// mount adds the Secret's volume, its mount and the plain variables.
func (d *delivery) mount(s *PodDefaultSpec) {
	keys := make([]string, 0, len(d.paths))
	for k := range d.paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]corev1.KeyToPath, 0, len(keys))
	for _, k := range keys {
		items = append(items, corev1.KeyToPath{Key: k, Path: d.paths[k]})
	}
	mode, vol := secretFileMode, volumeName(d.opts.Name)
	s.Volumes = []corev1.Volume{{Name: vol, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: d.opts.SecretName, Items: items, DefaultMode: &mode}}}}
	s.VolumeMounts = []corev1.VolumeMount{{Name: vol, MountPath: d.opts.MountPath, ReadOnly: true}}
	for _, v := range d.env {
		s.Env = append(s.Env, corev1.EnvVar{Name: d.opts.Prefix + v.Name, Value: v.Value})
	}
}

// items adds one variable per listed key, in the order given, each once.
func (d *delivery) items(s *PodDefaultSpec) error {
	seen := map[string]bool{}
	for _, item := range d.opts.Items {
		if _, ok := d.data[item]; !ok {
			return tether.Errorf(tether.EINVALID, "--items: %s is not a key of the Secret (keys: %s)",
				quoteItem(item), strings.Join(sortedKeys(d.data), ", "))
		}
		if seen[item] {
			continue
		}
		seen[item] = true
		s.Env = append(s.Env, d.fromSecret(item))
	}
	return nil
}

// quoteItem quotes an item for an error message, or describes it when it
// is too odd to repeat.
func quoteItem(item string) string {
	if item == "" {
		return "the empty item"
	}
	if len(item) > 64 || keyChars(item) != item {
		return "an item that is not a valid key"
	}
	return fmt.Sprintf("%q", item)
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// maxPodDefaultName is the longest PodDefault name whose webhook
// annotation, poddefault.admission.kubeflow.org/poddefault-<name>, has a
// name part of at most 63 characters.
const maxPodDefaultName = 63 - len("poddefault-")

// PodDefaultName is the name of the PodDefault of DeliveryOptions.Name
// name: a DNS-1123 label of at most maxPodDefaultName characters, distinct
// for distinct names.
func PodDefaultName(name string) string {
	return fit(name, maxPodDefaultName, name)
}

// volumeName derives the volume's name from the objects' name: a DNS-1123
// label of at most 63 characters, distinct for distinct names.
func volumeName(name string) string {
	return fit("tether-"+name, 63, name)
}

// fit returns s, a DNS-1123 label, if it has at most limit characters, or
// else its start and a hash of id: a label of at most limit characters.
func fit(s string, limit int, id string) string {
	if len(s) <= limit {
		return s
	}
	sum := sha256.Sum256([]byte(id))
	return strings.TrimRight(s[:limit-9], "-") + "-" + hex.EncodeToString(sum[:])[:8]
}

// DeepCopyInto copies p into out.
func (p *PodDefaultObject) DeepCopyInto(out *PodDefaultObject) {
	out.TypeMeta = p.TypeMeta
	p.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	s, o := &p.Spec, &out.Spec
	s.Selector.DeepCopyInto(&o.Selector)
	o.Desc = s.Desc
	o.Env, o.EnvFrom, o.Volumes, o.VolumeMounts = nil, nil, nil, nil
	for i := range s.Env {
		o.Env = append(o.Env, *s.Env[i].DeepCopy())
	}
	for i := range s.EnvFrom {
		o.EnvFrom = append(o.EnvFrom, *s.EnvFrom[i].DeepCopy())
	}
	for i := range s.Volumes {
		o.Volumes = append(o.Volumes, *s.Volumes[i].DeepCopy())
	}
	for i := range s.VolumeMounts {
		o.VolumeMounts = append(o.VolumeMounts, *s.VolumeMounts[i].DeepCopy())
	}
}

// DeepCopy returns a copy of p that shares nothing with it.
func (p *PodDefaultObject) DeepCopy() *PodDefaultObject {
	if p == nil {
		return nil
	}
	out := new(PodDefaultObject)
	p.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (p *PodDefaultObject) DeepCopyObject() runtime.Object {
	return p.DeepCopy()
}
