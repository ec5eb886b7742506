package service

import (
	"context"
	"fmt"

	"github.com/tether-ml/tether"
)

// ActionRollback is the audit action of a rollback.
const ActionRollback = "connection.rollback"

// defaultHistoryPage is the page of a history read that sets no limit.
const defaultHistoryPage = 20

var _ tether.HistoryService = (*Connections)(nil)

// History lists versions of a connection, newest first, masked. Each
// names the fields it changed from the version before it: the version
// after the page's last is read too, so that the last entry can say.
func (s *Connections) History(ctx context.Context, ns, id string, opts tether.HistoryOptions) ([]*tether.ConnectionVersion, error) {
	if err := s.check(ctx, tether.PermRead, ns, "connection.history", id); err != nil {
		return nil, err
	}
	limit := opts.Limit
	if limit == 0 {
		limit = defaultHistoryPage
	}
	if err := tether.CheckHistoryPage("service.History", opts.Before, limit); err != nil {
		return nil, err
	}
	recs, err := s.store.ListVersions(ctx, ns, id, opts.Before, min(limit+1, tether.MaxHistoryPage))
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		if _, err := s.store.GetRecord(ctx, ns, id); err != nil {
			return nil, err
		}
	}
	out := []*tether.ConnectionVersion{}
	for i := 0; i < len(recs) && i < limit; i++ {
		v, err := s.versionEntry(recs, i)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// versionEntry builds the entry of recs[i], naming what changed since
// recs[i+1] when the page holds it.
func (s *Connections) versionEntry(recs []*tether.Record, i int) (*tether.ConnectionVersion, error) {
	c, err := toConnection(recs[i])
	if err != nil {
		return nil, err
	}
	v := &tether.ConnectionVersion{Version: recs[i].Version, UpdatedAt: recs[i].UpdatedAt, Connection: c}
	if i+1 < len(recs) {
		changes, err := diffRecords(s.sealer, recs[i+1], recs[i])
		if err != nil {
			return nil, err
		}
		v.Changed = []string{}
		for _, ch := range changes {
			v.Changed = append(v.Changed, ch.Field)
		}
	}
	return v, nil
}

// GetVersion returns one version of a connection, masked unless reveal. A
// revealed version needs the reveal permission and is audited as a
// reveal before its secrets leave.
func (s *Connections) GetVersion(ctx context.Context, ns, id string, version int64, reveal bool) (*tether.Connection, error) {
	perm, action := tether.PermRead, "connection.history"
	if reveal {
		perm, action = tether.PermReveal, ActionReveal
	}
	if err := s.check(ctx, perm, ns, action, id); err != nil {
		return nil, err
	}
	r, err := s.store.GetVersion(ctx, ns, id, version)
	if err != nil {
		return nil, err
	}
	if !reveal {
		return toConnection(r)
	}
	c, err := openRecord(s.sealer, r)
	if err != nil {
		return nil, err
	}
	e := s.event(ActionReveal, ns, id)
	e.Detail = fmt.Sprintf("version %d", version)
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return c, nil
}

// Rollback stores a new version whose spec and secrets are those of
// version: an update like any other (the same checks, the vital rule,
// optimistic concurrency, the change feed), audited as a rollback. The
// old version's secrets are opened on the server only.
func (s *Connections) Rollback(ctx context.Context, ns, id string, version int64, opts tether.UpdateOptions) (*tether.Connection, error) {
	if err := s.check(ctx, tether.PermWrite, ns, ActionRollback, id); err != nil {
		return nil, err
	}
	r, err := s.store.GetVersion(ctx, ns, id, version)
	if err != nil {
		return nil, err
	}
	c, err := openRecord(s.sealer, r)
	if err != nil {
		return nil, err
	}
	c.Status = tether.ConnectionStatus{}
	return s.update(ctx, ns, c, opts, ActionRollback)
}

// Diff names the fields that differ from version a to version b. Secret
// fields are compared on the server, opened, and said to have changed.
func (s *Connections) Diff(ctx context.Context, ns, id string, a, b int64) (*tether.VersionDiff, error) {
	if err := s.check(ctx, tether.PermRead, ns, "connection.history", id); err != nil {
		return nil, err
	}
	from, err := s.store.GetVersion(ctx, ns, id, a)
	if err != nil {
		return nil, err
	}
	to, err := s.store.GetVersion(ctx, ns, id, b)
	if err != nil {
		return nil, err
	}
	changes, err := diffRecords(s.sealer, from, to)
	if err != nil {
		return nil, err
	}
	return &tether.VersionDiff{ID: id, From: a, To: b, Changes: changes}, nil
}
