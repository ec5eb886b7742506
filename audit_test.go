package tether_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

func TestAuditFilterCheck(t *testing.T) {
	for _, tc := range []struct {
		limit int
		want  string
	}{
		{0, ""},
		{10, ""},
		{-1, "limit must not be negative"},
	} {
		checkErr(t, tether.AuditFilter{Limit: tc.limit}.Check("test.ListAudit"), tether.EINVALID, tc.want)
	}
}

func TestAuditFilterDistinctActions(t *testing.T) {
	f := tether.AuditFilter{Actions: []string{"b", "a", "b", "c", "a"}}
	if diff := cmp.Diff([]string{"b", "a", "c"}, f.DistinctActions()); diff != "" {
		t.Errorf("DistinctActions (-want +got):\n%s", diff)
	}
	if got := (tether.AuditFilter{}).DistinctActions(); got != nil {
		t.Errorf("no actions: got %q, want nil", got)
	}
}

func TestCheckAuditBatch(t *testing.T) {
	for _, tc := range []struct {
		limit int
		want  string
	}{
		{1, ""},
		{500, ""},
		{0, "limit must be positive"},
		{-3, "limit must be positive"},
	} {
		checkErr(t, tether.CheckAuditBatch("test.DeleteAuditBefore", tc.limit), tether.EINVALID, tc.want)
	}
}
