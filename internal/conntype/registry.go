// Package conntype is Tether's connection-type registry: one file per
// connection type (s3, gcs, azureblob, git, docker, ecr, the databases of
// database.go, ...), each declaring the
// type's schema (the fields it uses, requires and keeps secret, and the
// parameters it accepts) and its own rules, plus the generic, schema-driven
// validation every connection goes through.
//
// The schema declared here is the one place that knows which field of which
// type is secret: masking, sealing, validation, the web form, the CLI help
// and the renderers all read it through tether.TypeRegistry.
//
// Validation does no I/O. Its messages name each offending field by path and
// never contain a secret value, not even part of one.
package conntype

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tether-ml/tether"
)

// Registry is the set of connection types Tether knows. It implements
// tether.TypeRegistry. It is read-only once New returns, so one Registry may
// be shared by any number of goroutines.
type Registry struct {
	types    map[string]*tether.ConnectionType
	names    []string // sorted
	declared []*tether.ConnectionType
}

var _ tether.TypeRegistry = (*Registry)(nil)

// New returns a registry of every connection type Tether supports, plus
// extra: the types of a program that extends Tether. Every fact about a
// type (schema, rules, renderings, formats, Kubernetes Secret, shared
// files) is in its declaration, so that this list is the one place that
// names the types. New panics if two types share a name or one has none,
// a programming error, as http.ServeMux.Handle does for a pattern given
// twice.
func New(extra ...*tether.ConnectionType) *Registry {
	all := append([]*tether.ConnectionType{
		dockerType(), s3Type(), gcsType(), azureBlobType(), gitType(), ecrType(),
		wasbType(), awsType(), gcpType(), azureType(),
		sshType(), ftpType(), sambaType(), httpType(), grpcType(), jenkinsType(), segmentType(),
		slackType(), discordType(), mattermostType(), pagerDutyType(), hipchatType(), webhookType(),
		customType(),
		hostPathType(), volumeClaimType(),
		postgresType(), mysqlType(), mssqlType(), oracleType(), verticaType(), sqliteType(),
		redisType(), prestoType(), mongoType(), cassandraType(), snowflakeType(),
		databricksType(), hiveMetastoreType(), hiveServer2Type(), hiveCLIType(), pigCLIType(),
		jdbcType(), cloudantType(), hdfsType(),
	}, extra...)
	r := &Registry{types: make(map[string]*tether.ConnectionType, len(all)), declared: all}
	for _, t := range all {
		if _, dup := r.types[t.Name]; dup || t.Name == "" {
			panic(fmt.Sprintf("conntype: type %q declared twice or unnamed", t.Name))
		}
		r.types[t.Name] = t
		r.names = append(r.names, t.Name)
	}
	sort.Strings(r.names)
	return r
}

// Declared returns every type in the order New lists them, which the texts
// that name several types (the CLI's help) follow. The slice is the
// caller's; the schemas are shared and must not be modified.
func (r *Registry) Declared() []*tether.ConnectionType {
	return slices.Clone(r.declared)
}

// Type returns the named type, or nil if there is none. The returned schema
// is shared: callers must not modify it.
func (r *Registry) Type(name string) *tether.ConnectionType {
	return r.types[name]
}

// Types returns every type, sorted by name. The slice is the caller's; the
// schemas it points to are shared and must not be modified.
func (r *Registry) Types() []*tether.ConnectionType {
	out := make([]*tether.ConnectionType, 0, len(r.names))
	for _, name := range r.names {
		out = append(out, r.types[name])
	}
	return out
}

// Validate checks c: its id, uri and webUILink, its type, every typed field
// and parameter against the type's schema, and the type's own rules. It
// fills derived defaults (an ecr connection gets its region from its uri)
// and returns nil or one EINVALID error whose message lists every problem,
// each prefixed by the path of the offending field. Validating a connection
// again gives the same result. It does no I/O.
func (r *Registry) Validate(c *tether.Connection) error {
	if c == nil {
		return tether.Errorf(tether.EINVALID, "connection is missing")
	}
	var p tether.Problems
	if c.Kind != "" && c.Kind != tether.Kind {
		p.Add("kind", fmt.Sprintf("must be %q", tether.Kind))
	}
	checkID(c.ID, &p)
	checkCommon(&c.Spec, &p)
	if t := r.checkType(c.Spec.Type, &p); t != nil {
		checkFields(t, &c.Spec, &p)
		checkParams(t, &c.Spec, &p)
		checkSecretKeys(t, &c.Spec, &p)
		if t.Check != nil {
			t.Check(&c.Spec, &p)
		}
		checkReferences(t, &c.Spec, &p)
	}
	return p.Err(subject(c.ID))
}

// checkType returns the schema of the named type, or records why there is
// none and returns nil.
func (r *Registry) checkType(name string, p *tether.Problems) *tether.ConnectionType {
	if t := r.types[name]; t != nil {
		return t
	}
	supported := "(supported: " + strings.Join(r.names, ", ") + ")"
	switch {
	case name == "":
		p.Add("spec.type", "required "+supported)
	case isToken(name, 32):
		p.Add("spec.type", fmt.Sprintf("unknown type %q %s", name, supported))
	default:
		p.Add("spec.type", "unknown type "+supported)
	}
	return nil
}

// subject names the connection in an error message; an id that breaks the
// id rule is not echoed.
func subject(id string) string {
	if tether.IDPattern.MatchString(id) {
		return fmt.Sprintf("connection %q", id)
	}
	return "connection"
}
