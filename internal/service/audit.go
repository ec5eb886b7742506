package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/tether-ml/tether"
)

// Audit actions.
const (
	ActionReveal           = "connection.reveal"
	ActionCreate           = "connection.create"
	ActionUpdate           = "connection.update"
	ActionDelete           = "connection.delete"
	ActionTest             = "connection.test"
	ActionDenied           = "request.denied"
	ActionAuthFailed       = "auth.failed"
	ActionLogin            = "login"
	ActionTokenCreate      = "token.create"
	ActionTokenRevoke      = "token.revoke"
	ActionBindingCreate    = "rolebinding.create"
	ActionBindingDelete    = "rolebinding.delete"
	ActionNamespaceCreate  = "namespace.create"
	ActionNamespaceDelete  = "namespace.delete"
	ActionKeysRotate       = "keys.rotate"
	ActionBackup           = "backup"
	ActionRestore          = "restore"
	defaultUsageWindowDays = 30
)

// Audit implements tether.AuditLog over the store, and serves the log and
// usage figures to callers allowed to read them.
type Audit struct {
	store  tether.Store
	authz  tether.Authorizer
	clock  func() time.Time
	log    *slog.Logger
	writer *auditWriter
	budget *refusedBudget
}

// NewAudit returns the audit service. Failures to write the log are logged
// to log, with the event.
func NewAudit(store tether.Store, authz tether.Authorizer, log *slog.Logger) *Audit {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Audit{store: store, authz: authz, clock: time.Now, log: log,
		writer: &auditWriter{store: store}, budget: newRefusedBudget()}
}

var _ tether.AuditLog = (*Audit)(nil)

// Record appends e, completed from ctx, with its values made storable and
// bounded (see storable). The event of a refused request (outcome denied
// or failed) beyond the budget of refused requests is dropped and counted
// instead (see refusedBudget): Record then returns nil, as the request is
// refused anyway. Any other event is stored, or Record fails with
// EUNAVAILABLE and the event goes to the server log.
func (a *Audit) Record(ctx context.Context, e tether.AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = now(a.clock)
	}
	if who := tether.IdentityFrom(ctx); who != nil && e.Subject == "" {
		e.Subject = who.Subject
	}
	info := tether.RequestInfoFrom(ctx)
	if e.Job == "" {
		e.Job = info.Job
	}
	if e.Remote == "" {
		e.Remote = info.Remote
	}
	storable(&e)
	if refused(&e) && !a.budget.allow(e.Time, &e) {
		return nil
	}
	if err := a.writer.append(&e); err != nil {
		a.log.ErrorContext(ctx, "cannot write the audit log", "err", err.Error(), "time", e.Time,
			"subject", e.Subject, "action", e.Action, "namespace", e.Namespace, "connection", e.Connection,
			"job", e.Job, "outcome", e.Outcome, "remote", e.Remote, "detail", e.Detail)
		return tether.Errorf(tether.EUNAVAILABLE, "the audit log cannot be written; refusing the operation")
	}
	return nil
}

// Dropped reports how many refused requests' events were dropped over the
// budget since the server started.
func (a *Audit) Dropped() uint64 { return a.budget.Dropped() }

// List returns the events matching f; reading needs the audit permission
// in f.Namespace, or in every namespace when f.Namespace is empty.
func (a *Audit) List(ctx context.Context, f tether.AuditFilter) ([]*tether.AuditEvent, error) {
	ns := f.Namespace
	if ns == "" {
		ns = tether.AllNamespaces
	}
	if err := authorize(ctx, a.authz, tether.PermAudit, ns); err != nil {
		return nil, err
	}
	return a.store.ListAudit(ctx, f)
}

// Usage answers how often the connection was revealed per day since
// since (the last 30 days if zero), by which subjects and which jobs.
// It needs the write permission on the connection's namespace: owners of a
// connection see who uses it.
func (a *Audit) Usage(ctx context.Context, ns, id string, since time.Time) (*tether.Usage, error) {
	if err := authorize(ctx, a.authz, tether.PermWrite, ns); err != nil {
		return nil, notFoundAs(err, "connection", id)
	}
	if _, err := a.store.GetRecord(ctx, ns, id); err != nil {
		return nil, err
	}
	if since.IsZero() {
		since = now(a.clock).AddDate(0, 0, -defaultUsageWindowDays)
	}
	events, err := a.store.ListAudit(ctx, tether.AuditFilter{Namespace: ns, Connection: id,
		Actions: []string{ActionReveal}, Since: since})
	if err != nil {
		return nil, err
	}
	u := &tether.Usage{Namespace: ns, Connection: id, Since: since, PerDay: map[string]int{}, Subjects: map[string]int{}, Jobs: map[string]int{}}
	for _, e := range events {
		if e.Outcome != tether.OutcomeSuccess {
			continue
		}
		u.Total++
		u.PerDay[e.Time.UTC().Format(time.DateOnly)]++
		u.Subjects[e.Subject]++
		if e.Job != "" {
			u.Jobs[e.Job]++
		}
	}
	return u, nil
}

var _ tether.AuditService = (*Audit)(nil)

// recordWrite audits a write that the store has applied, done describing
// it ("connection \"x\" was created"). The contract of every write (a
// connection, namespace, role binding or token created, updated or
// deleted; keys rotated; a restore): the store's write and the audit event
// are two steps, write first, so the log never tells of a write that did
// not happen. A write is acknowledged only once its event is stored. When
// the event cannot be stored, the caller gets EUNAVAILABLE (503) saying
// that the change was applied but not audited, and the event goes to the
// server log (see Record): the write is reported as failed, as a reveal
// whose event cannot be stored is, and it still leaves a record. A client
// that retries finds the change in place (a create answers 409, a delete
// 404).
func recordWrite(ctx context.Context, log tether.AuditLog, e tether.AuditEvent, done string) error {
	if e.Outcome == "" {
		e.Outcome = tether.OutcomeSuccess
	}
	if err := log.Record(ctx, e); err != nil {
		return tether.Errorf(tether.EUNAVAILABLE,
			"%s, but the audit log cannot be written, so the request is reported as failed (the event is in the server log)", done)
	}
	return nil
}
