package kube

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-ml/tether"
)

// Secret returns the Secret that holds connection c, of type t, for the
// PodDefault of the same options. c must be valid and revealed (secrets
// base64 as posted).
//
// In env mode (no MountPath) the Secret is Opaque and its keys are the
// connection's environment variables, less those that point at its files:
// for s3 that is Kaptain's aws-configuration (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, S3_ENDPOINT,
// S3_SIGNATURE_VERSION, S3_FORCE_PATH_STYLE, plus AWS_DEFAULT_REGION and
// AWS_ENDPOINT_URL_S3). Env mode applies only when the variables carry
// every secret value of the connection (or it has no files); otherwise
// (gcs, docker, git) the Secret has the file form below, which a
// PodDefault must mount.
//
// In the file form (always with MountPath) the keys are the connection's
// files: each under its base name, made a valid key, or under its whole
// path when two files share a name. A type that declares a KubeSecret
// gets a Secret of that type, its files under the declared keys (docker's
// is a kubernetes.io/dockerconfigjson Secret, config.json under
// .dockerconfigjson, so it also serves as an imagePullSecret; git's a
// kubernetes.io/ssh-auth Secret, the private key under ssh-privatekey
// beside known_hosts); every other type's is Opaque. Variables that carry
// a secret are not in the file form: the files hold the credentials (the
// AWS keys are in the credentials file).
//
// A connection delivered without a Secret of Tether's own (OwnSecret) is
// EINVALID.
func Secret(c *tether.Connection, t *tether.ConnectionType, o DeliveryOptions) (*corev1.Secret, error) {
	if dd, err := newDirect(c, t, o); dd != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return nil, dd.noSecret()
	}
	d, err := newDelivery(c, t, o)
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: d.meta(),
		Type:       d.secretType,
		Data:       d.data,
	}, nil
}

// meta returns the metadata of the Secret (the PodDefault's, but for its
// name).
func (d *delivery) meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: d.opts.SecretName, Namespace: d.opts.Namespace}
}

// setFiles makes the Secret's keys r's files, recording where each is
// mounted. The Secret's type, and the keys of the files Kubernetes itself
// reads, are those the connection type declares (KubeSecret); Opaque when
// it declares none.
func (d *delivery) setFiles(r *tether.Rendering) error {
	const op = "kube.setFiles"
	st, special := corev1.SecretTypeOpaque, map[string]string(nil)
	if ks := d.typ.KubeSecret; ks != nil && hasFiles(r, ks.Keys) {
		st, special = corev1.SecretType(ks.Type), ks.Keys
	}
	d.secretType, d.data, d.paths = st, map[string][]byte{}, map[string]string{}
	files := make([]string, 0, len(r.Files))
	for f := range r.Files {
		if !fs.ValidPath(f) || f == "." {
			return tether.Internal(op, fmt.Errorf("file path %q is not relative", f))
		}
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files { // the expected keys first, so no other file takes them
		if k, ok := special[f]; ok {
			d.data[k], d.paths[k] = r.Files[f], f
		}
	}
	if len(d.data) != len(special) {
		return tether.Internal(op, fmt.Errorf("a %s rendering lacks a file of its Secret type", d.typ.Name))
	}
	for _, f := range files {
		if _, ok := special[f]; !ok {
			k := fileKey(f, d.data)
			d.data[k], d.paths[k] = r.Files[f], f
		}
	}
	return nil
}

// fileKey returns an unused Secret key for the file at relative path p:
// its base name if free, else its whole path, else the path numbered.
func fileKey(p string, used map[string][]byte) string {
	candidates := []string{keyChars(path.Base(p)), keyChars(p)}
	for _, k := range candidates {
		if _, taken := used[k]; !taken {
			return k
		}
	}
	for n := 2; ; n++ {
		k := fmt.Sprintf("%s-%d", candidates[1], n)
		if _, taken := used[k]; !taken {
			return k
		}
	}
}

// keyChars turns s into a valid Secret key ([-._a-zA-Z0-9]+, not "." nor
// starting with "..", at most 253 characters with room for a suffix) by
// replacing other characters with '_' and keeping the end of a long s.
func keyChars(s string) string {
	k := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, s)
	if len(k) > 240 {
		k = k[len(k)-240:]
	}
	if k == "." || strings.HasPrefix(k, "..") {
		k = "_" + k[1:]
	}
	return k
}

// hasFiles reports whether r has every file that keys maps. A rendering
// without them (a git connection over HTTPS has no SSH key) is not of the
// type's Secret type: it is delivered as an Opaque Secret.
func hasFiles(r *tether.Rendering, keys map[string]string) bool {
	for f := range keys {
		if _, ok := r.Files[f]; !ok {
			return false
		}
	}
	return true
}
