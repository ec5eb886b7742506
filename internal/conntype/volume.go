package conntype

import (
	"fmt"

	"github.com/tether-ml/tether"
)

// What the volume kinds (host_path, volume_claim) share: they hold no
// secret; spec.uri names the storage (the node's directory, the claim)
// and the parameters say where pods see it. Kubernetes delivery mounts
// them (tether.Rendering.Volumes); Airflow has no such kind, so they have
// no Airflow form.

// volumePathEnv is the variable that says where a job finds the volume:
// the mount path in a pod, the node's directory on the host.
const volumePathEnv = "TETHER_VOLUME_PATH"

// volumeParams are the parameters of the volume kinds.
func volumeParams() []tether.Parameter {
	return []tether.Parameter{
		{Name: "mountPath", Required: true,
			Description: "Where the pods' containers see the volume: an absolute path, e.g. /data"},
		{Name: "readOnly", Format: tether.FormatBool,
			Description: `"true" mounts the volume read-only (default "false")`},
	}
}

// checkVolume checks the mount path of a volume kind.
func checkVolume(s *tether.ConnectionSpec, p *tether.Problems) {
	if mp := s.Parameters["mountPath"]; mp != "" {
		if msg := MountPathProblem(mp); msg != "" {
			p.Add("spec.parameters.mountPath", msg)
		}
	}
}

// volumeOf returns the volume of c, a valid connection of a volume kind,
// without its storage (HostPath or ClaimName).
func volumeOf(c *tether.Connection) tether.Volume {
	return tether.Volume{MountPath: c.Spec.Parameters["mountPath"],
		ReadOnly: c.Spec.Parameters["readOnly"] == "true", PathEnv: volumePathEnv}
}

// volumePolyaxon is the Polyaxon form of a volume kind, whose schema names
// the storage under key (hostPath, volumeClaim) beside mountPath and
// readOnly.
func volumePolyaxon(kind, key string) *tether.PolyaxonForm {
	return &tether.PolyaxonForm{
		Kind: kind,
		Schema: func(c *tether.Connection) map[string]any {
			return map[string]any{key: c.Spec.URI, "mountPath": c.Spec.Parameters["mountPath"],
				"readOnly": c.Spec.Parameters["readOnly"] == "true"}
		},
		Spec: func(schema map[string]any, spec *tether.ConnectionSpec) error {
			return volumeSpec(schema, key, spec)
		},
	}
}

// volumeSpec fills spec from a volume kind's Polyaxon schema.
func volumeSpec(schema map[string]any, key string, spec *tether.ConnectionSpec) error {
	for k := range schema {
		if k != key && k != "mountPath" && k != "readOnly" {
			return tether.Errorf(tether.EINVALID, "schema.%s: unknown key (accepted: %s, mountPath, readOnly)", quoteKey(k), key)
		}
	}
	uri, ok1 := schema[key].(string)
	mp, ok2 := schema["mountPath"].(string)
	switch {
	case !ok1 || uri == "":
		return tether.Errorf(tether.EINVALID, "schema.%s: required, a string", key)
	case !ok2 || mp == "":
		return tether.Errorf(tether.EINVALID, "schema.mountPath: required, a string")
	}
	spec.URI = uri
	spec.Parameters = tether.Params{"mountPath": mp}
	switch ro := schema["readOnly"].(type) {
	case nil:
	case bool:
		spec.Parameters["readOnly"] = fmt.Sprint(ro)
	default:
		return tether.Errorf(tether.EINVALID, "schema.readOnly: must be true or false")
	}
	return nil
}

// quoteKey is a schema key as a message may show it.
func quoteKey(k string) string {
	if isToken(k, 64) {
		return k
	}
	return "(a key)"
}
