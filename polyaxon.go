package tether

// PolyaxonConnection is one entry of a Polyaxon agent's connections,
// artifactsStore or notificationConnections (V1ConnectionType).
type PolyaxonConnection struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Kind        string         `json:"kind"`
	Schema      map[string]any `json:"schema,omitempty"`
	Secret      *ObjectRef     `json:"secret,omitempty"`
	ConfigMap   *ObjectRef     `json:"configMap,omitempty"`
}

// PolyaxonForm maps one connection type to Polyaxon's kinds and back, for
// the types whose Polyaxon kind has another name or a schema (the bucket
// of a blob store, the url of a registry or repository, the path of a
// volume).
type PolyaxonForm struct {
	// Kind is Polyaxon's name of the type (registry for docker).
	Kind string
	// Schema returns the Polyaxon schema of c: the non-secret fields
	// Polyaxon's handlers read.
	Schema func(c *Connection) map[string]any
	// Spec fills spec (type set, secrets absent) from a Polyaxon schema.
	// An error is EINVALID and names the offending schema key.
	Spec func(schema map[string]any, spec *ConnectionSpec) error
}
