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
}

// NewAudit returns the audit service. Failures to write the log are logged
// to log.
func NewAudit(store tether.Store, authz tether.Authorizer, log *slog.Logger) *Audit {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Audit{store: store, authz: authz, clock: time.Now, log: log, writer: &auditWriter{store: store}}
}

var _ tether.AuditLog = (*Audit)(nil)

// Record appends e, completed from ctx.
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
	if err := a.writer.append(&e); err != nil {
		a.log.ErrorContext(ctx, "cannot write the audit log", "action", e.Action, "err", err.Error())
		return tether.Errorf(tether.EUNAVAILABLE, "the audit log cannot be written; refusing the operation")
	}
	return nil
}

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
