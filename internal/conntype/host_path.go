package conntype

import (
	"github.com/tether-ml/tether"
)

// hostPathType is a directory of the Kubernetes node, mounted into pods
// (Polyaxon's host_path: hostPath, mountPath, readOnly). spec.uri is the
// directory. It holds no secret. A pod gets a hostPath volume at
// mountPath and TETHER_VOLUME_PATH set to mountPath; tether run, whose
// job runs on a host that has the directory, sets TETHER_VOLUME_PATH to
// the directory itself.
func hostPathType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "host_path",
		Description: "A directory of the Kubernetes node, mounted into pods",
		Group:       tether.GroupVolume,
		URI:         "the node's directory, absolute, e.g. /mnt/datasets",
		Example: &tether.ConnectionSpec{URI: "/mnt/datasets", Description: "Datasets on every node's disk",
			Parameters: tether.Params{"mountPath": "/data", "readOnly": "true"}},
		Parameters: volumeParams(),
		Check:      checkHostPath,
		Render:     renderHostPath,
		Polyaxon:   volumePolyaxon("host_path", "hostPath"),
	}
}

// checkHostPath checks that the uri is an absolute, clean path.
func checkHostPath(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := MountPathProblem(s.URI); msg != "" {
			p.Add("spec.uri", "the node's directory "+msg)
		}
	}
	checkVolume(s, p)
}

// renderHostPath renders the volume, and the directory's path for a job
// on the host.
func renderHostPath(c *tether.Connection, _ string) (*tether.Rendering, error) {
	r := newRendering()
	v := volumeOf(c)
	v.HostPath = c.Spec.URI
	r.Volumes = []tether.Volume{v}
	r.Env[volumePathEnv] = c.Spec.URI
	return r, nil
}
