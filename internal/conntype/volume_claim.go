package conntype

import (
	"github.com/tether-ml/tether"
)

// volumeClaimType is a PersistentVolumeClaim of the namespace the
// connection is delivered to, mounted into pods (Polyaxon's
// volume_claim: volumeClaim, mountPath, readOnly). spec.uri is the
// claim's name. It holds no secret. A pod gets the claim's volume at
// mountPath and TETHER_VOLUME_PATH set to mountPath; tether run refuses
// it, since a claim exists only inside Kubernetes.
func volumeClaimType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "volume_claim",
		Description: "A PersistentVolumeClaim of the namespace, mounted into pods",
		Group:       tether.GroupVolume,
		URI:         "the PersistentVolumeClaim's name, e.g. training-data",
		Example: &tether.ConnectionSpec{URI: "training-data", Description: "The team's training data",
			Parameters: tether.Params{"mountPath": "/data"}},
		Parameters: volumeParams(),
		Check:      checkVolumeClaim,
		Render:     renderVolumeClaim,
		Polyaxon:   volumePolyaxon("volume_claim", "volumeClaim"),
	}
}

// checkVolumeClaim checks that the uri is a claim's name.
func checkVolumeClaim(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := objectNameProblem(s.URI); msg != "" {
			p.Add("spec.uri", "the claim's name "+msg)
		}
	}
	checkVolume(s, p)
}

// renderVolumeClaim renders the volume; a job on the host gets nothing.
func renderVolumeClaim(c *tether.Connection, _ string) (*tether.Rendering, error) {
	r := newRendering()
	v := volumeOf(c)
	v.ClaimName = c.Spec.URI
	r.Volumes = []tether.Volume{v}
	return r, nil
}
