package server

import (
	"context"
	"strconv"
	"strings"
	"time"

	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/service"
)

// defaultAuditRetention is --audit-retention's default, in days.
func defaultAuditRetention() string {
	return strconv.Itoa(int(service.DefaultAuditRetention/(24*time.Hour))) + "d"
}

// parseRetention reads --audit-retention: a number of days ("365d") or a
// Go duration ("720h"); 0 keeps every event.
func parseRetention(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil {
			return 0, cli.Usagef("--audit-retention %q: want a number of days like 365d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, cli.Usagef("--audit-retention %q: want a duration like 365d or 720h (0 keeps every event)", s)
	}
	return d, nil
}

// startAuditUpkeep runs the audit log's upkeep (retention, and summaries
// of dropped events; see service.Audit.Run) until ctx is done, and returns
// the function that stops it and waits for it, to call before the store
// closes.
func startAuditUpkeep(ctx context.Context, deps thttp.Deps, keep string) (func(), error) {
	d, err := parseRetention(keep)
	if err != nil {
		return nil, err
	}
	audit, ok := deps.Audit.(*service.Audit)
	if !ok {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		audit.Run(ctx, d)
	}()
	return func() { cancel(); <-done }, nil
}
