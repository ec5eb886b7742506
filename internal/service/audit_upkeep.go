package service

import (
	"context"
	"time"
)

// DefaultAuditRetention is how long the audit log keeps an event unless
// told otherwise: one year, the retention PCI DSS asks of audit trails and
// more than the 30 days that usage reports look back.
const DefaultAuditRetention = 365 * 24 * time.Hour

// Upkeep periods and the size of one retention batch.
const (
	summaryEvery   = time.Minute
	retentionEvery = time.Hour
	retentionBatch = 1000
)

// Run keeps the audit log within its bounds until ctx is done: every
// minute it writes the summaries of dropped events (SummarizeDropped); at
// start and every hour it deletes the events older than retention
// (DeleteExpired; never when retention is 0). Failures are logged and
// tried again at the next tick. Every replica may run it.
func (a *Audit) Run(ctx context.Context, retention time.Duration) {
	summary, expire := time.NewTicker(summaryEvery), time.NewTicker(retentionEvery)
	defer summary.Stop()
	defer expire.Stop()
	a.expire(ctx, retention)
	for {
		select {
		case <-ctx.Done():
			// Summarise what is still pending before stopping.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			a.summarize(sctx)
			cancel()
			return
		case <-summary.C:
			a.summarize(ctx)
		case <-expire.C:
			a.expire(ctx, retention)
		}
	}
}

func (a *Audit) summarize(ctx context.Context) {
	if err := a.SummarizeDropped(ctx); err != nil {
		a.log.ErrorContext(ctx, "cannot write the summary of dropped audit events", "err", err.Error())
	}
}

func (a *Audit) expire(ctx context.Context, retention time.Duration) {
	n, err := a.DeleteExpired(ctx, retention)
	if err != nil {
		a.log.ErrorContext(ctx, "cannot delete expired audit events", "err", err.Error())
	}
	if n > 0 {
		a.log.InfoContext(ctx, "deleted expired audit events", "count", n, "retention", retention.String())
	}
}

// SummarizeDropped writes, for each source whose refused requests' events
// were dropped since the last call, one event (action audit.dropped)
// saying how many: "N denied events from X dropped". These events are
// outside the budget; there are at most maxSummaries+1 per call.
func (a *Audit) SummarizeDropped(ctx context.Context) error {
	events := a.budget.summaries(now(a.clock))
	if len(events) == 0 {
		return nil
	}
	for _, e := range events {
		storable(e)
	}
	return a.store.AppendAudit(ctx, events...)
}

// DeleteExpired deletes the events older than retention, batch after
// batch, and reports how many it deleted. A retention of 0 keeps every
// event.
func (a *Audit) DeleteExpired(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, nil
	}
	before := now(a.clock).Add(-retention)
	total := 0
	for {
		n, err := a.store.DeleteAuditBefore(ctx, before, retentionBatch)
		total += n
		if err != nil || n < retentionBatch {
			return total, err
		}
	}
}
