package kube

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tether-ml/tether"
	rendering "github.com/tether-ml/tether/delivery"
)

// DeliveryOptions says how a connection is delivered to pods: as
// environment variables (the default, "env mode") or as files in a volume
// (MountPath set, "mount mode"). The flag names in error messages are those
// of `tether conn render`.
type DeliveryOptions struct {
	// Name names the Secret and the PodDefault, and is the label
	// (<Name>: "true") that selects the pods the PodDefault applies to.
	// Default: the connection's id. It must be a DNS-1123 label.
	Name string
	// SecretName names the Secret, when it differs from Name (the
	// PodDefault's name and label). Default: Name. It must be a DNS-1123
	// subdomain.
	SecretName string
	// Namespace is the objects' metadata.namespace; "" leaves it unset.
	Namespace string
	// MountPath, if set, mounts the connection's files at this absolute,
	// clean path, read-only.
	MountPath string
	// Items, in env mode, exposes only these keys of the Secret, one
	// environment variable each. It cannot be combined with MountPath.
	Items []string
	// Prefix, if set, is put before the name of every variable the
	// PodDefault sets (the Secret's keys stay as they are), so that two
	// connections of one kind can be given to one pod: "TEAM_B_" gives
	// TEAM_B_AWS_ACCESS_KEY_ID, as `tether run` names a second
	// connection's variables. It must be a C identifier.
	Prefix string
}

// delivery is the Kubernetes form of one connection, from which Secret and
// PodDefault build their objects.
type delivery struct {
	typ  *tether.ConnectionType
	opts DeliveryOptions // Name defaulted
	// envMode is set when the Secret's keys are environment variables:
	// no MountPath was given and the variables carry every secret.
	envMode bool
	// secretType and data are the Secret's type and contents.
	secretType corev1.SecretType
	data       map[string][]byte
	// paths maps each key of a file-form Secret to the file's path
	// relative to the mount.
	paths map[string]string
	// env holds, in mount mode, the plain variables: those that carry
	// no secret, computed with the files at MountPath.
	env []corev1.EnvVar
}

// newDelivery checks the options, renders c and splits the rendering into
// the Secret's contents and the pods' plain variables.
func newDelivery(c *tether.Connection, t *tether.ConnectionType, o DeliveryOptions) (*delivery, error) {
	const op = "kube.newDelivery"
	if c == nil || t == nil || t.Render == nil || c.Spec.Type != t.Name {
		return nil, tether.Internal(op, fmt.Errorf("connection and type do not match"))
	}
	o, err := checkOptions(c, o)
	if err != nil {
		return nil, err
	}
	r, err := t.Render(c, o.MountPath)
	if err != nil {
		return nil, err
	}
	d := &delivery{typ: t, opts: o}
	secrets := rendering.SecretValues(t, c)
	if o.MountPath == "" && envCarries(t, r, secrets) {
		d.envMode = true
		return d, d.setEnv(r)
	}
	if len(r.Files) == 0 {
		return nil, tether.Errorf(tether.EINVALID,
			"%s connections have no files to mount: omit --mount-path", t.Name)
	}
	if err := d.setFiles(r); err != nil {
		return nil, err
	}
	d.env = plainEnv(r.Env, append(secrets, r.Derived...))
	return d, nil
}

// checkOptions defaults the name and checks every option, reporting all
// problems in one EINVALID error.
func checkOptions(c *tether.Connection, o DeliveryOptions) (DeliveryOptions, error) {
	if o.Name == "" {
		o.Name = c.ID
	}
	if o.SecretName == "" {
		o.SecretName = o.Name
	}
	var p tether.Problems
	const label = "must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', " +
		"starting and ending with a letter or digit"
	if len(validation.IsDNS1123Label(o.Name)) > 0 {
		p.Add("--name", label)
	}
	if len(validation.IsDNS1123Subdomain(o.SecretName)) > 0 {
		p.Add("secretName", "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'")
	}
	if o.Namespace != "" && len(validation.IsDNS1123Label(o.Namespace)) > 0 {
		p.Add("--k8s-namespace", label)
	}
	if msg := PrefixProblem(o.Prefix); msg != "" {
		p.Add("--prefix", msg)
	}
	if o.MountPath != "" {
		if msg := mountPathProblem(o.MountPath); msg != "" {
			p.Add("--mount-path", msg)
		}
		if len(o.Items) > 0 {
			p.Add("--items", "selects environment variables, so it cannot be combined with --mount-path")
		}
	}
	return o, p.Err("delivery")
}

// maxPrefix bounds Prefix: with the longest variable name it stays far
// below what shells and the API server take.
const maxPrefix = 64

// PrefixProblem returns why p cannot be put before variable names (a
// DeliveryOptions.Prefix), or "" if it can: it must be a C identifier, as
// shells and the API server's strictest rule require of a name.
func PrefixProblem(p string) string {
	if p != "" && (len(p) > maxPrefix || len(validation.IsCIdentifier(p)) > 0) {
		return fmt.Sprintf("must be letters, digits and '_', not starting with a digit, at most %d characters, e.g. TEAM_B_",
			maxPrefix)
	}
	return ""
}

// mountPathProblem returns why p cannot be a container mount path, or "".
func mountPathProblem(p string) string {
	switch {
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return "must not contain control characters"
	case !strings.HasPrefix(p, "/") || path.Clean(p) != p:
		return "must be an absolute, clean path, e.g. /home/jovyan/.aws"
	case p == "/":
		return "must be a directory below /, e.g. /home/jovyan/.aws"
	}
	return ""
}

// envCarries reports whether r's variables alone deliver the connection:
// the type is not one Kubernetes consumes as files (it declares no
// KubeSecret), and either r has no files or each secret is the value of a
// variable.
func envCarries(t *tether.ConnectionType, r *tether.Rendering, secrets []string) bool {
	if t.KubeSecret != nil {
		return false
	}
	if len(r.Files) == 0 {
		return true
	}
	values := make(map[string]bool, len(r.Env))
	for _, v := range r.Env {
		values[v] = true
	}
	for _, s := range secrets {
		if !values[s] {
			return false
		}
	}
	return true
}

// setEnv makes the Secret's keys the variables of r, less those that refer
// to its files (a path, or a command using one): env mode
// delivers no file.
func (d *delivery) setEnv(r *tether.Rendering) error {
	d.secretType = corev1.SecretTypeOpaque
	d.data = map[string][]byte{}
	for name, v := range r.ValueEnv() {
		if len(validation.IsConfigMapKey(name)) > 0 {
			return tether.Internal("kube.setEnv", fmt.Errorf("variable name %q is not a Secret key", name))
		}
		d.data[name] = []byte(v)
	}
	return nil
}

// plainEnv returns the variables of env that carry none of secrets (nor
// contain one), sorted by name: the values a PodDefault may show in clear.
func plainEnv(env map[string]string, secrets []string) []corev1.EnvVar {
	var out []corev1.EnvVar
	for name, v := range env {
		if !carriesSecret(v, secrets) {
			out = append(out, corev1.EnvVar{Name: name, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// carriesSecret reports whether v contains one of secrets.
func carriesSecret(v string, secrets []string) bool {
	for _, s := range secrets {
		if s != "" && strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// EnvMode reports whether c, of type t, is delivered in env mode when no
// mount path is given: its Secret's keys are variables, so a consumer
// that reads a Secret's keys as variables (Polyaxon's secret reference
// without mountPath) gets the whole connection. Otherwise its Secret
// holds files, which must be mounted. c must be valid and revealed.
func EnvMode(c *tether.Connection, t *tether.ConnectionType) (bool, error) {
	d, err := newDelivery(c, t, DeliveryOptions{})
	if err != nil {
		return false, err
	}
	return d.envMode, nil
}
