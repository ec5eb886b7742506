package conntype

import (
	"path"
	"strings"

	"github.com/tether-ml/tether"
)

// References: a connection of any type may name an existing Kubernetes
// Secret (spec.secret) and/or ConfigMap (spec.configMap) of the namespace
// it is delivered to, which hold its credentials and settings, as
// Polyaxon's connections do. Such a connection holds no secret value of
// its own: it is delivered only inside Kubernetes, by a PodDefault that
// takes its variables or files from those objects, never by a Secret of
// Tether's.
//
// Its rules, on top of the type's:
//   - every secret field and parameter (and spec.secretKeys) is empty,
//     and the type's required secrets are not required: they are in the
//     referenced object;
//   - spec.uri is optional: with Polyaxon, a connection may be only a kind
//     and a Secret (slack's webhook URL is in the Secret). When given, the
//     type's rules for it apply, and the other non-secret fields keep
//     theirs (a docker connection still names its registry's username);
//   - name is a DNS-1123 subdomain; mountPath, if set, an absolute, clean
//     path below /, and the objects are mounted there as files; without
//     it, items are required: the keys delivered as environment
//     variables, one secretKeyRef (configMapKeyRef) each, never envFrom,
//     so that Kubeflow refuses a pod to which two connections give one
//     variable differently rather than mixing them;
//   - items are unique valid keys (also environment variable names
//     without mountPath); with mountPath they choose the files.

// checkReferences checks spec.secret and spec.configMap, and the rules a
// connection that names one follows. It runs after the schema's checks,
// whose "required" problems of secrets and uri it withdraws.
func checkReferences(t *tether.ConnectionType, s *tether.ConnectionSpec, p *tether.Problems) {
	if !s.Refers() {
		return
	}
	checkReference("spec.secret", s.SecretRef, p)
	checkReference("spec.configMap", s.ConfigMapRef, p)
	checkBothReferences(s.SecretRef, s.ConfigMapRef, p)
	because := "must be empty when spec.secret names a Secret: the credentials are in it"
	if s.SecretRef == nil {
		because = "must be empty when spec.configMap names a ConfigMap: the credentials are in it"
	}
	if s.URI == "" {
		p.Drop("spec.uri")
	}
	for _, f := range t.Fields {
		if f.Secret {
			withdrawSecret("spec."+f.Name, *s.Field(f.Name), because, p)
		}
	}
	for _, prm := range t.Parameters {
		if prm.Secret {
			withdrawSecret(paramPath(prm.Name), s.Parameters[prm.Name], because, p)
		}
	}
	if len(s.SecretKeys) > 0 {
		p.Add("spec.secretKeys", because)
	}
}

// withdrawSecret replaces the problems of the secret at path by the one
// that it is set, or withdraws its "required" when it is not.
func withdrawSecret(path, v, because string, p *tether.Problems) {
	p.Drop(path)
	if v != "" {
		p.Add(path, because)
	}
}

// checkReference checks one reference, at path.
func checkReference(at string, r *tether.ObjectRef, p *tether.Problems) {
	if r == nil {
		return
	}
	if msg := objectNameProblem(r.Name); msg != "" {
		p.Add(at+".name", msg)
	}
	if r.MountPath != "" {
		if msg := MountPathProblem(r.MountPath); msg != "" {
			p.Add(at+".mountPath", msg)
		}
	} else if len(r.Items) == 0 {
		p.Add(at+".items", "required without mountPath: the keys to deliver as environment variables "+
			"(or give mountPath to mount every key as a file)")
	}
	seen := map[string]bool{}
	for _, item := range r.Items {
		switch {
		case !objectKey(item):
			p.Add(at+".items", "must be keys: at most 253 letters, digits, '-', '_' and '.', not '.' or '..'")
		case r.MountPath == "" && !isEnvName(item):
			p.Add(at+".items", "without mountPath each key is a variable's name, so must not start with a digit")
		case seen[item]:
			p.Add(at+".items", "must not name a key twice")
		default:
			seen[item] = true
			continue
		}
		return
	}
}

// checkBothReferences checks that a Secret and a ConfigMap given together
// do not deliver one path or one variable twice.
func checkBothReferences(secret, config *tether.ObjectRef, p *tether.Problems) {
	if secret == nil || config == nil {
		return
	}
	if secret.MountPath != "" && secret.MountPath == config.MountPath {
		p.Add("spec.configMap.mountPath", "must differ from spec.secret.mountPath")
	}
	if secret.MountPath != "" || config.MountPath != "" {
		return
	}
	for _, item := range config.Items {
		for _, other := range secret.Items {
			if item == other {
				p.Add("spec.configMap.items", "must not name a variable that spec.secret.items gives")
				return
			}
		}
	}
}

// objectNameProblem returns why name is not a Secret's or ConfigMap's
// name (a DNS-1123 subdomain), or "".
func objectNameProblem(name string) string {
	const rule = "must be a Kubernetes object name: at most 253 lowercase letters, digits, '-' and '.', " +
		"each '.'-separated part starting and ending with a letter or digit"
	if name == "" {
		return "required: the name of the object in the namespace the connection is delivered to"
	}
	if len(name) > 253 {
		return rule
	}
	for _, part := range strings.Split(name, ".") {
		if part == "" || !lowerAlnumEnds(part) || strings.Trim(part, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return rule
		}
	}
	return ""
}

// objectKey reports whether k is a valid key of a Secret or ConfigMap.
func objectKey(k string) bool {
	if k == "" || len(k) > 253 || k == "." || strings.HasPrefix(k, "..") {
		return false
	}
	return strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == ""
}

// isEnvName reports whether the key k is also a variable's name as the API
// server takes it (it does not start with a digit).
func isEnvName(k string) bool {
	return k != "" && (k[0] < '0' || k[0] > '9')
}

// MountPathProblem returns why p cannot be where a container sees a
// volume (an absolute, clean path below /), or "".
func MountPathProblem(p string) string {
	switch {
	case hasControl(p):
		return msgControl
	case !strings.HasPrefix(p, "/") || path.Clean(p) != p:
		return "must be an absolute, clean path, e.g. /home/jovyan/data"
	case p == "/":
		return "must be a directory below /, e.g. /home/jovyan/data"
	}
	return ""
}
