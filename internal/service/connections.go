package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tether-ml/tether"
)

// Connections implements tether.ConnectionService.
type Connections struct {
	store  tether.Store
	sealer tether.Sealer
	types  tether.TypeRegistry
	authz  tether.Authorizer
	audit  tether.AuditLog
	clock  func() time.Time
	pages  *cursors
	feed   *changeFeed
	// deliveries exchanges and reuses short-lived credentials (Deliver).
	deliveries *deliveries
}

// NewConnections returns the connection service over its dependencies.
// Reveals, writes and denied requests are recorded in audit.
func NewConnections(store tether.Store, sealer tether.Sealer, types tether.TypeRegistry, authz tether.Authorizer, audit tether.AuditLog) *Connections {
	s := &Connections{store: store, sealer: sealer, types: types, authz: authz, audit: audit, clock: time.Now, pages: newCursors(), feed: newChangeFeed()}
	s.UseEgress(ProbeOptions{})
	return s
}

var (
	_ tether.ConnectionService = (*Connections)(nil)
	_ tether.WatchService      = (*Connections)(nil)
)

// Get returns the masked connection. It never decrypts anything.
func (s *Connections) Get(ctx context.Context, ns, id string) (*tether.Connection, error) {
	if err := s.check(ctx, tether.PermRead, ns, "connection.get", id); err != nil {
		return nil, err
	}
	r, err := s.store.GetRecord(ctx, ns, id)
	if err != nil {
		return nil, err
	}
	return toConnection(r)
}

// Reveal returns the connection with its secrets as they were posted. The
// reveal is audited before the secrets leave: if the audit log cannot be
// written, nothing is revealed.
func (s *Connections) Reveal(ctx context.Context, ns, id string) (*tether.Connection, error) {
	if err := s.check(ctx, tether.PermReveal, ns, ActionReveal, id); err != nil {
		return nil, err
	}
	r, err := s.store.GetRecord(ctx, ns, id)
	if err != nil {
		return nil, err
	}
	c, err := openRecord(s.sealer, r)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, ActionReveal, ns, id, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// openRecord returns the connection of r with its secrets opened, as they
// were posted.
func openRecord(sealer tether.Sealer, r *tether.Record) (*tether.Connection, error) {
	c, err := toConnection(r)
	if err != nil {
		return nil, err
	}
	secrets, err := openSealed(sealer, r)
	if err != nil {
		return nil, err
	}
	fillSecrets(&c.Spec, secrets)
	return c, nil
}

// openSealed returns the secret values sealed in r, keyed as splitSecrets
// keys them; none if r holds none.
func openSealed(sealer tether.Sealer, r *tether.Record) (map[string]string, error) {
	secrets := map[string]string{}
	if r.Sealed == nil {
		return secrets, nil
	}
	plain, err := sealer.Open(r.Sealed, aad(r.Namespace, r.ID))
	if err != nil {
		// An operator's problem, not a bug: say what to fix (the cause,
		// with the key file's path, goes to the log only).
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: "service.reveal", Err: err, Message: fmt.Sprintf(
			"this server cannot open the secrets of connection %q: its key file lacks the key that sealed them "+
				"(every replica needs the same key file) or the stored data is damaged", r.ID)}
	}
	if err := json.Unmarshal(plain, &secrets); err != nil {
		return nil, tether.Internal("service.reveal", err)
	}
	return secrets, nil
}

// List returns the masked connections of ns that match f.
func (s *Connections) List(ctx context.Context, ns string, f tether.ConnectionFilter) ([]*tether.Connection, error) {
	if err := s.check(ctx, tether.PermRead, ns, "connection.list", ""); err != nil {
		return nil, err
	}
	f, err := s.checkFilter(f)
	if err != nil {
		return nil, err
	}
	opts := tether.ListOptions{Types: f.Types, After: f.After, Limit: f.Size}
	if f.After == "" {
		opts.After, opts.Offset = s.pages.start(ns, f)
	}
	recs, err := s.store.ListRecords(ctx, ns, opts)
	if err != nil {
		return nil, err
	}
	if f.After == "" && len(recs) == f.Size {
		s.pages.remember(ns, f, recs[len(recs)-1].ID)
	}
	out := make([]*tether.Connection, 0, len(recs))
	for _, r := range recs {
		c, err := toConnection(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// checkFilter validates f and fills in the default page size.
func (s *Connections) checkFilter(f tether.ConnectionFilter) (tether.ConnectionFilter, error) {
	var p tether.Problems
	for _, t := range f.Types {
		if s.types.Type(t) == nil {
			p.Add("type", fmt.Sprintf("unknown connection type %q", t))
		}
	}
	if f.Size == 0 {
		f.Size = tether.DefaultPageSize
	}
	if f.Size < 1 || f.Size > tether.MaxPageSize {
		p.Add("size", fmt.Sprintf("must be between 1 and %d", tether.MaxPageSize))
	}
	if f.Page < 0 {
		p.Add("page", "must be 0 or more")
	}
	if f.After != "" && f.Page != 0 {
		p.Add("after", "excludes page: give one or the other")
	}
	return f, p.Err("list request")
}

// Invalidate forgets what the service remembers of the store's content
// (list page boundaries). Call it when another server writes to a shared
// store.
func (s *Connections) Invalidate() { s.pages.invalidate() }

// Create validates c, seals its secrets and stores it in ns, which must
// exist. The id is required, as Odahu requires it.
func (s *Connections) Create(ctx context.Context, ns string, c *tether.Connection) (*tether.Connection, error) {
	if err := s.check(ctx, tether.PermWrite, ns, ActionCreate, c.ID); err != nil {
		return nil, err
	}
	if c.Spec.Vital {
		if err := s.check(ctx, tether.PermVital, ns, ActionCreate, c.ID); err != nil {
			return nil, err
		}
	}
	c = c.Clone()
	if err := s.placeIn(ctx, ns, c); err != nil {
		return nil, err
	}
	if err := s.types.Validate(c); err != nil {
		return nil, err
	}
	t := now(s.clock)
	r, err := s.seal(ns, c, 1, t, t)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateRecord(ctx, r); err != nil {
		return nil, err
	}
	s.pages.invalidate()
	if err := recordWrite(ctx, s.audit, s.event(ActionCreate, ns, c.ID), fmt.Sprintf("connection %q was created", c.ID)); err != nil {
		return nil, err
	}
	return toConnection(r)
}

// seal turns a validated connection into a record, sealing its secrets.
func (s *Connections) seal(ns string, c *tether.Connection, version int64, created, updated time.Time) (*tether.Record, error) {
	spec := c.Clone().Spec
	secrets := splitSecrets(&spec, s.types.Type(spec.Type))
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, tether.Internal("service.seal", err)
	}
	r := &tether.Record{
		Namespace: ns, ID: c.ID, Type: spec.Type, Vital: spec.Vital, Spec: specJSON,
		Version: version, CreatedAt: created, UpdatedAt: updated,
		Expiry: expiryOf(s.types.Type(spec.Type), c),
	}
	if len(secrets) == 0 {
		return r, nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return nil, tether.Internal("service.seal", err)
	}
	if r.Sealed, r.KeyID, err = s.sealer.Seal(plain, aad(ns, c.ID)); err != nil {
		return nil, tether.Internal("service.seal", err)
	}
	return r, nil
}

// Delete removes a connection; the store refuses vital ones atomically.
func (s *Connections) Delete(ctx context.Context, ns, id string) error {
	if err := s.check(ctx, tether.PermWrite, ns, ActionDelete, id); err != nil {
		return err
	}
	defer s.pages.invalidate()
	if err := s.store.DeleteRecord(ctx, ns, id); err != nil {
		return err
	}
	return recordWrite(ctx, s.audit, s.event(ActionDelete, ns, id), fmt.Sprintf("connection %q was deleted", id))
}

// check authorizes the caller for perm in ns, recording a denial in the
// audit log. A caller who cannot see ns gets the not-found of what it asked
// for, whether that exists or not.
func (s *Connections) check(ctx context.Context, perm tether.Permission, ns, action, id string) error {
	err := authorize(ctx, s.authz, perm, ns)
	switch tether.ErrorCode(err) {
	case "":
		return nil
	case tether.EFORBIDDEN, tether.ENOTFOUND:
		_ = s.record(ctx, action, ns, id, err)
	}
	if id != "" {
		return notFoundAs(err, "connection", id)
	}
	return err
}

// record appends an audit event: success, or denied with the reason.
func (s *Connections) record(ctx context.Context, action, ns, id string, denial error) error {
	e := s.event(action, ns, id)
	if denial != nil {
		e.Outcome, e.Detail = tether.OutcomeDenied, tether.ErrorMessage(denial)
	}
	return s.audit.Record(ctx, e)
}

// event is the successful action's audit event.
func (s *Connections) event(action, ns, id string) tether.AuditEvent {
	return tether.AuditEvent{Action: action, Namespace: ns, Connection: id, Outcome: tether.OutcomeSuccess}
}

// placeIn puts a new connection in ns: its namespace field, if set, must
// agree, and the namespace must exist.
func (s *Connections) placeIn(ctx context.Context, ns string, c *tether.Connection) error {
	if c.Namespace != "" && c.Namespace != ns {
		return tether.Errorf(tether.EINVALID, "namespace in the body (%q) differs from the namespace addressed (%q)", c.Namespace, ns)
	}
	c.Namespace = ""
	if _, err := s.store.GetNamespace(ctx, ns); err != nil {
		return err
	}
	return nil
}
