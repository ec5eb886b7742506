package delivery

import (
	"context"
	"os"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// Source reads a connection as a job gets it (tether.ConnectionService's
// Deliver): with its secrets, and with short-lived credentials in place of
// the stored ones where its type exchanges them (an s3 role's STS session,
// an ECR token), so that a job never holds the stored keys. The Go client
// (package client) implements it over the API, the server's service in
// process.
type Source interface {
	Deliver(ctx context.Context, ns, id string) (*tether.Connection, error)
}

// Deliverer reads connections from a Source and delivers them to a job,
// rendered by the types of a registry.
type Deliverer struct {
	conns Source
	types tether.TypeRegistry
}

// New returns a Deliverer that reads connections from conns and renders
// them with types; nil types means every connection type Tether knows
// (Types).
func New(conns Source, types tether.TypeRegistry) *Deliverer {
	if types == nil {
		types = Types()
	}
	return &Deliverer{conns: conns, types: types}
}

// Types returns the registry of every connection type Tether knows, to
// render with or to extend: a registry of one's own that also knows other
// types can be given to New.
func Types() tether.TypeRegistry {
	return conntype.New()
}

// Ref names a connection: its namespace ("" for the client's default) and
// id.
type Ref struct {
	Namespace string
	ID        string
}

// ParseRef reads "ID" or "NAMESPACE/ID".
func ParseRef(s string) (Ref, error) {
	ns, id, ok := strings.Cut(s, "/")
	if !ok {
		ns, id = "", s
	}
	if !tether.IDPattern.MatchString(id) || (ok && !tether.NamespacePattern.MatchString(ns)) {
		return Ref{}, tether.Errorf(tether.EINVALID, "connection %q must be ID or NAMESPACE/ID (lowercase letters, digits and '-')", s)
	}
	return Ref{Namespace: ns, ID: id}, nil
}

// Materialized is a set of connections written out for a job.
type Materialized struct {
	// Dir holds the connections' files, 0700; remove it when the job ends.
	Dir string
	// Env holds the variables the job needs, pointing into Dir.
	Env map[string]string
	// Secrets holds every value masked output must hide (see MaskValues
	// of the delivery rules): the secrets, their encodings and the values
	// derived from them. Secret redacts itself when printed.
	Secrets []tether.Secret
}

// Materialize reveals the connections and writes their files into dir,
// which must exist and be private to the job (0700), following the naming
// rule of several connections documented in the README ("Delivering
// connections"): each connection's files in dir/ID, its variables under
// their own names for the first connection of a kind and prefixed with ID_
// for every connection, and one merged docker configuration. Reading the
// connections is recorded in the server's audit log, for the job the Source acts for.
func (d *Deliverer) Materialize(ctx context.Context, dir string, refs ...Ref) (*Materialized, error) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		return nil, tether.Errorf(tether.EINVALID, "%s must be an existing directory that only its owner can read (0700)", dir)
	}
	conns, err := d.revealAll(ctx, refs)
	if err != nil {
		return nil, err
	}
	b, err := Bundle(d.types, conns, dir)
	if err != nil {
		return nil, err
	}
	if err := Write(dir, b.Files); err != nil {
		return nil, err
	}
	m := &Materialized{Dir: dir, Env: b.Env}
	for _, v := range MaskValues(d.types, conns, b.Derived) {
		m.Secrets = append(m.Secrets, tether.Secret(v))
	}
	return m, nil
}

// Env reveals the connections and returns their variables that carry
// values rather than point at files (AWS and Azure keys, endpoints,
// regions), under the same naming rule as Materialize. A connection that
// only works through files (a docker config.json, a git key) contributes
// nothing here: use Materialize.
func (d *Deliverer) Env(ctx context.Context, refs ...Ref) (map[string]string, error) {
	conns, err := d.revealAll(ctx, refs)
	if err != nil {
		return nil, err
	}
	b, err := Bundle(d.types, conns, "")
	if err != nil {
		return nil, err
	}
	return b.ValueEnv(), nil
}

// revealAll reads each connection once, as delivered, in the order given.
func (d *Deliverer) revealAll(ctx context.Context, refs []Ref) ([]*tether.Connection, error) {
	if len(refs) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "no connection given")
	}
	seen := map[Ref]bool{}
	var out []*tether.Connection
	for _, r := range refs {
		if seen[r] {
			continue
		}
		seen[r] = true
		conn, err := d.conns.Deliver(ctx, r.Namespace, r.ID)
		if err != nil {
			return nil, err
		}
		if conn.Namespace == "" {
			conn.Namespace = r.Namespace
			if conn.Namespace == "" {
				conn.Namespace = tether.DefaultNamespace
			}
		}
		out = append(out, conn)
	}
	return out, nil
}
