package service

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tether-ml/tether"
)

// maxUpdateAttempts bounds the retries of an unconditional update that lost
// a race with another writer.
const maxUpdateAttempts = 16

// Update replaces the spec of an existing connection. Secret fields that
// are omitted or masked keep their stored values (if the type is
// unchanged). The write is conditional on the version read, so the merge and
// the vital rule hold even under concurrent writers; a caller that gave no
// version is retried transparently, one that gave a stale version gets
// ECONFLICT.
func (s *Connections) Update(ctx context.Context, ns string, c *tether.Connection, opts tether.UpdateOptions) (*tether.Connection, error) {
	if err := s.check(ctx, tether.PermWrite, ns, ActionUpdate, c.ID); err != nil {
		return nil, err
	}
	return s.update(ctx, ns, c, opts, ActionUpdate)
}

// update is Update once the caller is authorized, audited as action (an
// update, or a rollback).
func (s *Connections) update(ctx context.Context, ns string, c *tether.Connection, opts tether.UpdateOptions, action string) (*tether.Connection, error) {
	if c.Namespace != "" && c.Namespace != ns {
		return nil, tether.Errorf(tether.EINVALID, "namespace in the body (%q) differs from the namespace addressed (%q)", c.Namespace, ns)
	}
	if err := s.prevalidate(c); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		out, err := s.updateOnce(ctx, ns, c, opts, action)
		if tether.ErrorCode(err) != tether.ECONFLICT || opts.Version != 0 || attempt == maxUpdateAttempts {
			return out, err
		}
		// Jitter spreads writers that keep colliding.
		time.Sleep(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond))))
	}
}

func (s *Connections) updateOnce(ctx context.Context, ns string, in *tether.Connection, opts tether.UpdateOptions, action string) (*tether.Connection, error) {
	cur, err := s.store.GetRecord(ctx, ns, in.ID)
	if err != nil {
		return nil, err
	}
	if opts.Version != 0 && opts.Version != cur.Version {
		return nil, tether.Errorf(tether.ECONFLICT,
			"connection %q was changed since version %d (it is at version %d): read it again and retry", in.ID, opts.Version, cur.Version)
	}
	c, err := s.merge(cur, in)
	if err != nil {
		return nil, err
	}
	if err := s.checkVital(ctx, ns, cur, c, opts); err != nil {
		return nil, err
	}
	if err := s.types.Validate(c); err != nil {
		return nil, err
	}
	r, err := s.seal(ns, c, cur.Version+1, cur.CreatedAt, now(s.clock))
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateRecord(ctx, r, cur.Version); err != nil {
		return nil, err
	}
	if r.Type != cur.Type {
		s.pages.invalidate() // it moves between type-filtered lists
	}
	if err := recordWrite(ctx, s.audit, s.event(action, ns, in.ID), fmt.Sprintf("connection %q was updated", in.ID)); err != nil {
		return nil, err
	}
	return toConnection(r)
}

// prevalidate checks an update before the stored connection is read, as
// Odahu does: invalid input is refused whether the connection exists or
// not. Secrets that are omitted or masked are not judged here, since they
// keep their stored values; Validate checks the merged connection again.
func (s *Connections) prevalidate(in *tether.Connection) error {
	err := s.types.Validate(in.Clone())
	var p *tether.Problems
	if !errors.As(err, &p) {
		return err
	}
	if t := s.types.Type(in.Spec.Type); t != nil {
		p.Drop(keptSecrets(in, t)...)
	}
	return p.Err(subjectOf(in.ID))
}

// keptSecrets returns the paths of the secrets in omits or masks.
func keptSecrets(in *tether.Connection, t *tether.ConnectionType) []string {
	var out []string
	for _, name := range secretFields(t) {
		if v := *in.Spec.Field(name); v == "" || v == tether.Mask {
			out = append(out, "spec."+name)
		}
	}
	for _, prm := range t.SecretParameters(&in.Spec) {
		if v := in.Spec.Parameters[prm.Name]; v == "" || v == tether.Mask {
			out = append(out, "spec.parameters."+prm.Name)
		}
	}
	return out
}

// subjectOf names a connection in a message as the type registry does; an
// id that breaks the id rule is not echoed.
func subjectOf(id string) string {
	if tether.IDPattern.MatchString(id) {
		return fmt.Sprintf("connection %q", id)
	}
	return "connection"
}

// merge returns in with every omitted or masked secret replaced by the
// stored value, when the type is unchanged.
//
// An update that names a Secret or ConfigMap (spec.secret, spec.configMap)
// keeps no stored secret: the connection then holds none, and a masked
// value (as a read returned it) is dropped with the rest.
func (s *Connections) merge(cur *tether.Record, in *tether.Connection) (*tether.Connection, error) {
	c := in.Clone()
	if c.Spec.Refers() {
		dropMasked(c, s.types.Type(c.Spec.Type))
		return c, nil
	}
	if cur.Sealed == nil || cur.Type != c.Spec.Type || !wantsStored(c, s.types.Type(c.Spec.Type)) {
		return c, nil
	}
	stored, err := openRecord(s.sealer, cur)
	if err != nil {
		return nil, err
	}
	t := s.types.Type(c.Spec.Type)
	for _, name := range secretFields(t) {
		if p := c.Spec.Field(name); *p == "" || *p == tether.Mask {
			*p = *stored.Spec.Field(name)
		}
	}
	keepSecretParams(t, c, stored)
	return c, nil
}

// keepSecretParams puts back into c every secret parameter of stored that
// c omits or masks. A free-form key that stored declared secret stays
// declared so (in c's secretKeys), even if c's secretKeys omit it: a
// stored secret is never kept in the clear.
func keepSecretParams(t *tether.ConnectionType, c, stored *tether.Connection) {
	for _, prm := range t.SecretParameters(&stored.Spec) {
		v, set := c.Spec.Parameters[prm.Name]
		prev := stored.Spec.Parameters[prm.Name]
		if prev == "" || (set && v != "" && v != tether.Mask) {
			continue
		}
		if c.Spec.Parameters == nil {
			c.Spec.Parameters = tether.Params{}
		}
		c.Spec.Parameters[prm.Name] = prev
		if t.Parameter(prm.Name) == nil && !slices.Contains(c.Spec.SecretKeys, prm.Name) {
			c.Spec.SecretKeys = append(c.Spec.SecretKeys, prm.Name)
		}
	}
}

// dropMasked empties the secrets of c, of type t, that are masked.
func dropMasked(c *tether.Connection, t *tether.ConnectionType) {
	if t == nil {
		return
	}
	for _, name := range secretFields(t) {
		if p := c.Spec.Field(name); *p == tether.Mask {
			*p = ""
		}
	}
	for _, prm := range t.Parameters {
		if prm.Secret && c.Spec.Parameters[prm.Name] == tether.Mask {
			delete(c.Spec.Parameters, prm.Name)
		}
	}
}

// wantsStored reports whether in omits or masks any secret, i.e. whether
// the stored secrets must be opened to merge.
func wantsStored(c *tether.Connection, t *tether.ConnectionType) bool {
	if t == nil {
		return false
	}
	for _, name := range secretFields(t) {
		if v := *c.Spec.Field(name); v == "" || v == tether.Mask {
			return true
		}
	}
	for _, prm := range t.SecretParameters(&c.Spec) {
		if v := c.Spec.Parameters[prm.Name]; v == "" || v == tether.Mask {
			return true
		}
	}
	return false
}

// checkVital enforces the vital rule: clearing the flag needs Force, and
// changing it needs the vital permission.
func (s *Connections) checkVital(ctx context.Context, ns string, cur *tether.Record, c *tether.Connection, opts tether.UpdateOptions) error {
	if cur.Vital == c.Spec.Vital {
		return nil
	}
	if cur.Vital && !opts.Force {
		return tether.Errorf(tether.EINVALID,
			"connection %q is vital: clearing spec.vital needs force (?force=true, or --force)", c.ID)
	}
	if err := s.check(ctx, tether.PermVital, ns, ActionUpdate, c.ID); err != nil {
		return fmt.Errorf("change spec.vital: %w", err)
	}
	return nil
}
