package tether

import (
	"slices"
	"time"
)

// Kind is the kind of a connection manifest.
const Kind = "Connection"

// DefaultNamespace is the namespace of every connection addressed without
// one, so Odahu's routes and files keep working unchanged.
const DefaultNamespace = "default"

// IDPattern is the rule for connection ids (Odahu's: a DNS-1123 label).
var IDPattern = NewPattern(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// Connection is how to reach one bucket, registry, repository or database,
// with its credentials. Its JSON form is Odahu's Connection, verbatim, plus
// Tether's extensions (spec.parameters, status.version).
type Connection struct {
	Kind string `json:"kind,omitempty"`
	// Namespace is where the connection lives; empty means the namespace
	// the request addresses (DefaultNamespace on Odahu's routes).
	Namespace string           `json:"namespace,omitempty"`
	ID        string           `json:"id"`
	Spec      ConnectionSpec   `json:"spec"`
	Status    ConnectionStatus `json:"status"`
}

// ConnectionSpec is the user-owned part of a connection. Which fields a type
// uses, requires and treats as secret is declared by the type's schema
// (see ConnectionType); the Secret-typed fields are base64 on the wire.
type ConnectionSpec struct {
	Type        string `json:"type"`
	URI         string `json:"uri"`
	Username    string `json:"username,omitempty"`
	Password    Secret `json:"password,omitempty"`
	Role        string `json:"role,omitempty"`
	Region      string `json:"region,omitempty"`
	Reference   string `json:"reference,omitempty"`
	KeyID       Secret `json:"keyID,omitempty"`
	KeySecret   Secret `json:"keySecret,omitempty"`
	PublicKey   string `json:"publicKey,omitempty"`
	Description string `json:"description,omitempty"`
	WebUILink   string `json:"webUILink,omitempty"`
	Vital       bool   `json:"vital"`
	Parameters  Params `json:"parameters,omitempty"`
	// SecretKeys names the parameters that are secret, for the types whose
	// parameters are free-form (ConnectionType.FreeParameters, as custom):
	// those are sealed and masked like a schema's secret parameters.
	SecretKeys []string `json:"secretKeys,omitempty"`
	// SecretRef and ConfigMapRef name an existing Kubernetes Secret or
	// ConfigMap in the namespace that receives the connection, holding
	// its credentials instead of the connection (Polyaxon's secret and
	// configMap). A connection that names one holds no secret value.
	SecretRef    *ObjectRef `json:"secret,omitempty"`
	ConfigMapRef *ObjectRef `json:"configMap,omitempty"`
}

// Refers reports whether s names a Secret or ConfigMap that holds the
// connection's credentials (SecretRef, ConfigMapRef): it is then
// delivered only inside Kubernetes, from those objects.
func (s *ConnectionSpec) Refers() bool {
	return s.SecretRef != nil || s.ConfigMapRef != nil
}

// ObjectRef names a Kubernetes Secret or ConfigMap that a connection is
// delivered from, as Polyaxon's connection secret and configMap do.
type ObjectRef struct {
	// Name is the object's name in the namespace the connection is
	// delivered to.
	Name string `json:"name"`
	// MountPath, if set, mounts the object as files there; otherwise its
	// keys become environment variables.
	MountPath string `json:"mountPath,omitempty"`
	// Items, if set, are the only keys delivered.
	Items []string `json:"items,omitempty"`
}

// Clone returns a deep copy of r, or nil.
func (r *ObjectRef) Clone() *ObjectRef {
	if r == nil {
		return nil
	}
	out := *r
	out.Items = slices.Clone(r.Items)
	return &out
}

// ConnectionStatus is owned by the server and ignored on input, except
// Version, which an update may carry for optimistic concurrency.
type ConnectionStatus struct {
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
	// Version increments on every change. An update carrying a Version
	// other than the stored one fails with ECONFLICT.
	Version int64 `json:"version,omitempty"`
	// LastTest is the result of the last connection test run on the
	// server, if any; it is not part of the connection's version.
	LastTest *ProbeResult `json:"lastTest,omitempty"`
	// Expiry is when the connection's credential stops working, where the
	// credential says so (a SAS token's se=, a caBundle certificate's
	// notAfter); nil if it does not. On a connection delivered with
	// short-lived credentials (ConnectionType.Exchange) it is theirs.
	Expiry *Expiry `json:"expiry,omitempty"`
}

// TypedFields lists, in wire order, the spec fields whose meaning and rules
// depend on the connection type. A type's schema names the ones it uses;
// the others must stay empty for that type.
var TypedFields = []string{"username", "password", "role", "region", "reference", "keyID", "keySecret", "publicKey"}

// Field returns a pointer to the typed field with the given wire name, or nil
// if name is not one of TypedFields.
func (s *ConnectionSpec) Field(name string) *string {
	switch name {
	case "username":
		return &s.Username
	case "password":
		return (*string)(&s.Password)
	case "role":
		return &s.Role
	case "region":
		return &s.Region
	case "reference":
		return &s.Reference
	case "keyID":
		return (*string)(&s.KeyID)
	case "keySecret":
		return (*string)(&s.KeySecret)
	case "publicKey":
		return &s.PublicKey
	}
	return nil
}

// Clone returns a deep copy of c.
func (c *Connection) Clone() *Connection {
	out := *c
	if c.Spec.Parameters != nil {
		out.Spec.Parameters = make(Params, len(c.Spec.Parameters))
		for k, v := range c.Spec.Parameters {
			out.Spec.Parameters[k] = v
		}
	}
	out.Spec.SecretKeys = slices.Clone(c.Spec.SecretKeys)
	out.Spec.SecretRef = c.Spec.SecretRef.Clone()
	out.Spec.ConfigMapRef = c.Spec.ConfigMapRef.Clone()
	return &out
}

// ConnectionFilter selects connections in a list. Page and Size follow
// Odahu's API: Page is 0-based, Size is at most MaxPageSize. After is
// Tether's keyset extension: only connections whose id sorts after it (the
// last id of the previous page), which costs the same wherever the page is;
// it excludes Page.
type ConnectionFilter struct {
	Types []string
	Page  int
	Size  int
	After string
}

// Page sizes of the list API.
const (
	DefaultPageSize = 500
	MaxPageSize     = 500
)

// UpdateOptions qualify an update.
type UpdateOptions struct {
	// Version, if not zero, is the version the caller last read; the update
	// fails with ECONFLICT if the stored version differs.
	Version int64
	// Force allows clearing the vital flag.
	Force bool
}
