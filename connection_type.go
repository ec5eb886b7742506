package tether

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// ConnectionType is the schema of one connection type: the single place
// that declares which spec fields the type uses, requires and treats as
// secret, which parameters it accepts, and its own validation. Masking,
// sealing, validation, the CLI and the renderers all read it.
type ConnectionType struct {
	Name        string
	Description string
	// Group is the family the type belongs to, as Polyaxon's catalog
	// groups its kinds (one of the Group* constants); lists and forms
	// group types by it.
	Group string
	// URI says what spec.uri holds for the type, as a pattern with an
	// example ("s3://<bucket>[/path], e.g. s3://raw-data/input"); forms
	// and the JSON Schema show it. Empty when the type takes no uri.
	URI string
	// Example is a valid spec of the type, its secrets made up: the JSON
	// Schema, forms and the documentation show it, and the tests validate
	// it.
	Example *ConnectionSpec
	// Fields are the TypedFields this type uses. A typed field that is not
	// listed must be empty.
	Fields []Field
	// Parameters are the keys this type accepts in spec.parameters.
	Parameters []Parameter
	// FreeParameters, if set, makes spec.parameters free-form: any key is
	// accepted besides the declared Parameters, and spec.secretKeys names
	// those of them that are secret (custom). Otherwise spec.secretKeys
	// must be empty.
	FreeParameters bool
	// Check adds the type's own rules (formats, cross-field rules) to p,
	// after the schema's generic checks. It may fill derived defaults (ecr
	// derives its region from the uri). It must not do I/O.
	Check func(spec *ConnectionSpec, p *Problems)
	// Render returns the connection in the forms its consumers expect:
	// environment variables and files. c is valid and revealed (secrets
	// base64 as posted); dir is the absolute directory its files will be
	// written to, so that variables can point at them, or "" when they
	// will not be written. It must not do I/O. A variable that refers to
	// the files (a path, or a command using one) is set with SetFileEnv,
	// so that consumers can tell it from one that carries a value.
	Render func(c *Connection, dir string) (*Rendering, error)
	// Formats are the files of the type's rendering that it offers as
	// output formats of their own (`tether conn render --as`).
	Formats []FileFormat
	// KubeSecret, if set, is the Secret type in which Kubernetes itself
	// consumes the type's files; nil for the types whose files only their
	// tools read (an Opaque Secret).
	KubeSecret *KubeSecret
	// Shared, if set, says how the files of several connections of the
	// type delivered to one job make one set that their tools read.
	Shared *SharedFiles
	// Probe, if set, tests the connection: the smallest call that proves
	// its credential and its target, made only through env. c is valid and
	// revealed. It returns what it proved, or a tether.Error whose message
	// is safe to show (no secret, signature or query string): EUNAUTHORIZED
	// for a refused credential, ENOTFOUND for a missing target,
	// EUNAVAILABLE for one that cannot be reached, EFORBIDDEN for an
	// address the egress policy refuses.
	Probe func(ctx context.Context, c *Connection, env ProbeEnv) (string, error)
	// Expiry, if set, returns the earliest expiry that c's stored
	// credential carries (a SAS token's se=, a caBundle certificate's
	// notAfter), or nil if it carries none. c is valid and revealed. It
	// must not do I/O.
	Expiry func(c *Connection) *Expiry
	// Exchange, if set, trades c's stored credential for a short-lived one
	// (STS AssumeRole for an s3 role, an ECR authorization token) and
	// returns c as it is delivered: the same connection carrying the
	// short-lived credential, with Status.Expiry set to its expiry. It
	// returns c itself when c needs no exchange (an s3 connection without
	// a role). It reaches AWS only through env, and its errors follow
	// Probe's rules.
	Exchange func(ctx context.Context, c *Connection, env ProbeEnv) (*Connection, error)
	// Airflow, if set, maps the type to Airflow's connection model and
	// back: `tether conn render --as airflow` and Airflow imports use it.
	Airflow *AirflowForm
	// Polyaxon, if set, maps the type to Polyaxon's connection kinds and
	// back; nil means Polyaxon's kind is the type's name and its schema is
	// empty.
	Polyaxon *PolyaxonForm
}

// Groups of connection types (ConnectionType.Group), in the order Polyaxon's
// catalog lists them.
const (
	GroupBlob         = "blob"         // buckets and containers
	GroupVolume       = "volume"       // host paths and volume claims
	GroupRegistry     = "registry"     // container registries
	GroupCode         = "code"         // source repositories
	GroupCloud        = "cloud"        // cloud credentials without a bucket
	GroupDatabase     = "database"     // databases and query engines
	GroupService      = "service"      // hosts and HTTP/gRPC services
	GroupNotification = "notification" // chat and alerting hooks
	GroupCustom       = "custom"       // free-form
)

// Groups lists the Group* constants in order.
var Groups = []string{GroupBlob, GroupVolume, GroupRegistry, GroupCode, GroupCloud,
	GroupDatabase, GroupService, GroupNotification, GroupCustom}

// FileFormat is one file of a type's rendering offered as an output
// format. Several types may offer one format (one Name), with the same
// File and Description.
type FileFormat struct {
	Name        string // e.g. "docker-config"
	File        string // the file of Rendering.Files it prints, e.g. "config.json"
	Description string // e.g. "a docker config.json"
}

// KubeSecret is a Kubernetes Secret type that holds a connection's files.
type KubeSecret struct {
	// Type is the Secret's type, e.g. "kubernetes.io/dockerconfigjson".
	Type string
	// Keys maps the files the type requires to their keys in the Secret
	// (config.json to .dockerconfigjson). A rendering without them (a git
	// connection over HTTPS has no SSH key) is delivered as an Opaque
	// Secret.
	Keys map[string]string
}

// SharedFiles is the one set of files that several connections of a type
// make for one job: docker reads one configuration directory, so the
// registries of every docker connection go into one config.json.
type SharedFiles struct {
	// Dir is the set's directory, relative to the job's.
	Dir string
	// Env is the variable that points tools at Dir (DOCKER_CONFIG).
	Env string
	// Merge returns the set's files, by path relative to Dir, from the
	// renderings of the connections, in order: on a conflict the first
	// connection wins. It must not do I/O.
	Merge func(rs []*Rendering) (map[string][]byte, error)
}

// Rendering is a connection as a job uses it.
type Rendering struct {
	// Env holds environment variables.
	Env map[string]string
	// Files holds file contents by path relative to the rendering's
	// directory; they are written with mode 0600. Paths are flat file
	// names (credentials, config.json, key.json) unless a tool needs a
	// tree (docker's certs.d/<host>/ca.crt), so that the directory can be
	// mounted where the tool looks by default (~/.aws, ~/.docker).
	Files map[string][]byte
	// Derived holds values computed from the connection's secrets that
	// reveal them but are not one of them or a standard encoding of one
	// (docker's base64 "user:password"). Output masking hides these too.
	Derived []string
	// FileEnv names the variables of Env that refer to Files (a path, or
	// a command using one, as GIT_SSH_COMMAND): they mean something only
	// where the files are written. Set them with SetFileEnv.
	FileEnv []string
	// Volumes are the volumes the connection is, for the types delivered
	// as storage rather than credentials (a node's directory, a volume
	// claim): Kubernetes delivery mounts each in the pods; a job on the
	// host (tether run) gets a HostPath volume's path in its PathEnv and
	// cannot be given a claim. Their types hold no secret.
	Volumes []Volume
}

// Volume is storage that a connection mounts into pods. Exactly one of
// HostPath and ClaimName is set.
type Volume struct {
	// HostPath is a directory of the node (a hostPath volume).
	HostPath string
	// ClaimName names a PersistentVolumeClaim of the pod's namespace.
	ClaimName string
	// MountPath is where the pods' containers see it: absolute, clean.
	MountPath string
	// ReadOnly mounts it read-only.
	ReadOnly bool
	// PathEnv, if set, names the variable of Rendering.Env that says
	// where the job finds the volume: HostPath on the host, MountPath in
	// a pod (Kubernetes delivery sets it so).
	PathEnv string
}

// SetFileEnv sets the variable name to v, which refers to the rendering's
// files, and records it in FileEnv.
func (r *Rendering) SetFileEnv(name, v string) {
	r.Env[name] = v
	if !slices.Contains(r.FileEnv, name) {
		r.FileEnv = append(r.FileEnv, name)
	}
}

// ValueEnv returns the variables of Env that carry values (keys, regions,
// endpoints) rather than refer to the files: what a job gets when the
// files are not written.
func (r *Rendering) ValueEnv() map[string]string {
	out := make(map[string]string, len(r.Env))
	for k, v := range r.Env {
		if !slices.Contains(r.FileEnv, k) {
			out[k] = v
		}
	}
	return out
}

// Field declares how a type uses one of TypedFields.
type Field struct {
	Name        string
	Required    bool
	Secret      bool // masked on read, sealed at rest
	Base64      bool // base64 (standard, padded) on the wire
	Description string
}

// Parameter declares one accepted key of spec.parameters.
type Parameter struct {
	Name        string
	Required    bool
	Secret      bool
	Base64      bool
	Format      string   // see the Format* constants
	Enum        []string // allowed values when Format is FormatEnum
	Description string
}

// Parameter formats, checked by the registry's generic validation.
const (
	FormatString = ""
	FormatURL    = "url"  // absolute http(s) URL
	FormatBool   = "bool" // "true" or "false"
	FormatEnum   = "enum" // one of Enum
)

// Field returns the schema of the named typed field, or nil if the type
// does not use it.
func (t *ConnectionType) Field(name string) *Field {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// Parameter returns the schema of the named parameter, or nil.
func (t *ConnectionType) Parameter(name string) *Parameter {
	for i := range t.Parameters {
		if t.Parameters[i].Name == name {
			return &t.Parameters[i]
		}
	}
	return nil
}

// SecretParameters returns the parameters of spec that are secret: the
// schema's secret parameters and, when the type's parameters are free-form
// (FreeParameters), one plain-text parameter for each key that
// spec.SecretKeys names. Sealing, masking, the update's merge and output
// masking all read it, so a declared secret key is handled like a schema's
// secret parameter.
func (t *ConnectionType) SecretParameters(spec *ConnectionSpec) []Parameter {
	var out []Parameter
	for _, prm := range t.Parameters {
		if prm.Secret {
			out = append(out, prm)
		}
	}
	if !t.FreeParameters || spec == nil {
		return out
	}
	for _, key := range spec.SecretKeys {
		known := slices.ContainsFunc(out, func(p Parameter) bool { return p.Name == key })
		if key != "" && !known && t.Parameter(key) == nil {
			out = append(out, Parameter{Name: key, Secret: true})
		}
	}
	return out
}

// TypeRegistry knows every connection type.
type TypeRegistry interface {
	// Type returns the named type, or nil.
	Type(name string) *ConnectionType
	// Types returns every type, sorted by name.
	Types() []*ConnectionType
	// Validate checks c (id, uri, type, and the type's schema and rules),
	// fills derived defaults, and returns one EINVALID error naming every
	// offending field, or nil.
	Validate(c *Connection) error
}

// Problems collects validation failures so that one request reports all of
// them together. A *Problems is also the error that Err wraps, so that a
// caller can present the field-by-field detail under its own heading
// (Odahu's "Validation of connection is failed: ...").
type Problems struct {
	list []problem
}

type problem struct{ path, msg string }

// Add records a problem with the field at path (e.g. "spec.keyID").
func (p *Problems) Add(path, msg string) {
	p.list = append(p.list, problem{path, msg})
}

// Len reports how many problems were recorded.
func (p *Problems) Len() int { return len(p.list) }

// Paths returns the path of every recorded problem, in the order added.
func (p *Problems) Paths() []string {
	out := make([]string, len(p.list))
	for i, pr := range p.list {
		out[i] = pr.path
	}
	return out
}

// Drop removes the problems whose path is in paths.
func (p *Problems) Drop(paths ...string) {
	kept := p.list[:0]
	for _, pr := range p.list {
		if !slices.Contains(paths, pr.path) {
			kept = append(kept, pr)
		}
	}
	p.list = kept
}

// Error lists every problem as "path: message", sorted, separated by "; ".
// It holds no value of any field, so it is safe to show.
func (p *Problems) Error() string {
	l := make([]string, len(p.list))
	for i, pr := range p.list {
		l[i] = pr.path + ": " + pr.msg
	}
	sort.Strings(l)
	return strings.Join(l, "; ")
}

// Err returns nil if no problem was recorded, otherwise one EINVALID error
// whose message is "<subject> is invalid: " and the list of Error. The
// error wraps a copy of p, which errors.As finds.
func (p *Problems) Err(subject string) error {
	if len(p.list) == 0 {
		return nil
	}
	cp := &Problems{list: slices.Clone(p.list)}
	return &Error{Code: EINVALID, Message: subject + " is invalid: " + cp.Error(), Err: cp}
}
