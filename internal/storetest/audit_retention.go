package storetest

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// testAuditRetention deletes the events before a time in batches, oldest
// first, and keeps every other.
func testAuditRetention(t *testing.T, s tether.Store) {
	events := auditFixture(t, s)
	before := base().Add(25 * time.Minute)
	if _, err := s.DeleteAuditBefore(t.Context(), before, 0); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("DeleteAuditBefore with limit 0: %v, want %s", err, tether.EINVALID)
	}
	// Older than before: events 6 (-60 min), 0, 1 and 2 (20 min).
	for i, want := range []struct {
		deleted int
		left    []int
	}{
		{2, []int{1, 2, 3, 4, 5}}, // 6 and 0, the oldest
		{2, []int{3, 4, 5}},
		{0, []int{3, 4, 5}},
	} {
		n, err := s.DeleteAuditBefore(t.Context(), before, 2)
		if err != nil || n != want.deleted {
			t.Fatalf("call %d: DeleteAuditBefore deleted %d (%v), want %d", i, n, err, want.deleted)
		}
		wantAudit(t, "left", pick(events, want.left...), listAudit(t, s, tether.AuditFilter{}))
	}
}
