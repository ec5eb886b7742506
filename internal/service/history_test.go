package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// historyFixture is a service set on a SQLite store that keeps keep
// versions of each connection, with a viewer (read, no reveal) in default.
type historyFixture struct {
	store         *sqlite.DB
	set           *service.Set
	admin, viewer context.Context
	keys          *seal.Keyring
}

func newHistoryFixture(t *testing.T, keep int) *historyFixture {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "db"), sqlite.Options{HistoryKeep: keep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := seal.Create(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	rb := &tether.RoleBinding{ID: "rb-viewer", Subject: "user:viewer", Role: tether.RoleViewer,
		Namespace: tether.DefaultNamespace, CreatedAt: time.Now()}
	if err := st.CreateRoleBinding(t.Context(), rb); err != nil {
		t.Fatal(err)
	}
	return &historyFixture{store: st, set: service.New(st, kr, conntype.New(), nil), keys: kr,
		admin:  tether.WithIdentity(context.Background(), &tether.Identity{Subject: tether.BootstrapSubject}),
		viewer: tether.WithIdentity(context.Background(), &tether.Identity{Subject: "user:viewer"})}
}

// passwords of the versions written by writeVersions: version n has the
// n-th, base64 as posted.
var passwords = []string{"first-secret-pw", "second-secret-pw", "third-secret-pw"}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// writeVersions creates the docker connection reg and updates it: version
// 2 changes its password, version 3 its uri and description but keeps the
// password (masked in the update).
func (f *historyFixture) writeVersions(t *testing.T) {
	t.Helper()
	c := docker("reg", b64(passwords[0]))
	if _, err := f.set.Connections.Create(f.admin, "default", c); err != nil {
		t.Fatal(err)
	}
	c.Spec.Password = tether.Secret(b64(passwords[1]))
	if _, err := f.set.Connections.Update(f.admin, "default", c, tether.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Spec.Password, c.Spec.URI, c.Spec.Description = tether.Mask, "registry.example:6000", "moved"
	if _, err := f.set.Connections.Update(f.admin, "default", c, tether.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// noSecret fails t if v, as JSON, holds any password written, plain or
// base64.
func noSecret(t *testing.T, what string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range passwords {
		if strings.Contains(string(b), p) || strings.Contains(string(b), b64(p)) {
			t.Errorf("%s holds a secret: %s", what, b)
		}
	}
}

func TestHistoryListsVersionsMasked(t *testing.T) {
	f := newHistoryFixture(t, 10)
	f.writeVersions(t)
	list, err := f.set.Connections.History(f.viewer, "default", "reg", tether.HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "the history", list)
	type entry struct {
		Version int64
		Changed []string
	}
	var got []entry
	for _, v := range list {
		got = append(got, entry{v.Version, v.Changed})
	}
	want := []entry{{3, []string{"spec.description", "spec.uri"}}, {2, []string{"spec.password"}}, {1, nil}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	page, err := f.set.Connections.History(f.viewer, "default", "reg", tether.HistoryOptions{Before: 3, Limit: 1})
	if err != nil || len(page) != 1 || page[0].Version != 2 || len(page[0].Changed) != 1 {
		t.Errorf("page before 3, limit 1 = %+v, %v; want version 2 with its change", page, err)
	}
	if _, err := f.set.Connections.History(f.viewer, "default", "absent", tether.HistoryOptions{}); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("history of a missing connection: %v, want ENOTFOUND", err)
	}
}

func TestHistoryDiffSaysSecretChanged(t *testing.T) {
	f := newHistoryFixture(t, 10)
	f.writeVersions(t)
	for _, tc := range []struct {
		a, b int64
		want []tether.FieldChange
	}{
		{1, 2, []tether.FieldChange{{Field: "spec.password", Secret: true}}},
		{2, 3, []tether.FieldChange{{Field: "spec.description", To: "moved"},
			{Field: "spec.uri", From: "registry.example:5000", To: "registry.example:6000"}}},
		{3, 3, []tether.FieldChange{}},
	} {
		d, err := f.set.Connections.Diff(f.viewer, "default", "reg", tc.a, tc.b)
		if err != nil {
			t.Fatalf("Diff(%d, %d): %v", tc.a, tc.b, err)
		}
		noSecret(t, "a diff", d)
		if diff := cmp.Diff(tc.want, d.Changes); diff != "" {
			t.Errorf("Diff(%d, %d) (-want +got):\n%s", tc.a, tc.b, diff)
		}
	}
}

func TestHistoryRevealNeedsPermissionAndIsAudited(t *testing.T) {
	f := newHistoryFixture(t, 10)
	f.writeVersions(t)
	masked, err := f.set.Connections.GetVersion(f.viewer, "default", "reg", 1, false)
	if err != nil || masked.Spec.Password != tether.Mask || masked.Status.Version != 1 {
		t.Fatalf("masked version 1 = %+v, %v", masked, err)
	}
	noSecret(t, "a masked version", masked)
	if _, err := f.set.Connections.GetVersion(f.viewer, "default", "reg", 1, true); tether.ErrorCode(err) != tether.EFORBIDDEN {
		t.Errorf("a viewer's reveal of a version: %v, want EFORBIDDEN", err)
	}
	revealed, err := f.set.Connections.GetVersion(f.admin, "default", "reg", 1, true)
	if err != nil || string(revealed.Spec.Password) != b64(passwords[0]) {
		t.Fatalf("revealed version 1: password as posted %v, %v", err == nil && string(revealed.Spec.Password) == b64(passwords[0]), err)
	}
	events, err := f.store.ListAudit(t.Context(), tether.AuditFilter{Actions: []string{service.ActionReveal}})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, e := range events {
		outcomes = append(outcomes, e.Subject+" "+e.Outcome+" "+e.Detail)
	}
	want := []string{"user:viewer denied " + detailOf(events, 0), tether.BootstrapSubject + " success version 1"}
	if len(events) != 2 || outcomes[1] != want[1] || events[0].Outcome != tether.OutcomeDenied {
		t.Errorf("reveal events %q; want a denial, then %q", outcomes, want[1])
	}
	if _, err := f.set.Connections.GetVersion(f.viewer, "default", "reg", 9, false); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("a version never written: %v, want ENOTFOUND", err)
	}
}

// detailOf returns the detail of events[i], "" if none.
func detailOf(events []*tether.AuditEvent, i int) string {
	if i < len(events) {
		return events[i].Detail
	}
	return ""
}

func TestRollbackIsANewVersionTheFeedReports(t *testing.T) {
	f := newHistoryFixture(t, 10)
	f.writeVersions(t)
	if _, err := f.set.Connections.Rollback(f.viewer, "default", "reg", 1, tether.UpdateOptions{}); tether.ErrorCode(err) != tether.EFORBIDDEN {
		t.Errorf("a viewer's rollback: %v, want EFORBIDDEN", err)
	}
	if _, err := f.set.Connections.Rollback(f.admin, "default", "reg", 1, tether.UpdateOptions{Version: 2}); tether.ErrorCode(err) != tether.ECONFLICT {
		t.Errorf("rollback expecting a stale version: %v, want ECONFLICT", err)
	}
	rv, err := f.store.ResourceVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.set.Connections.Rollback(f.admin, "default", "reg", 1, tether.UpdateOptions{Version: 3})
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "a rollback's answer", out)
	got, err := f.set.Connections.Reveal(f.admin, "default", "reg")
	if err != nil || got.Status.Version != 4 || string(got.Spec.Password) != b64(passwords[0]) || got.Spec.URI != "registry.example:5000" {
		t.Fatalf("after rollback to 1: version %d, password and uri of version 1: %v, %v", got.Status.Version,
			string(got.Spec.Password) == b64(passwords[0]) && got.Spec.URI == "registry.example:5000", err)
	}
	changes, err := f.store.Changes(t.Context(), rv, 10)
	if err != nil || len(changes) != 1 || changes[0].Type != tether.ChangeModified || changes[0].Record.Version != 4 {
		t.Errorf("changes after the rollback = %v, %v; want one MODIFIED at version 4", changes, err)
	}
	d, err := f.set.Connections.Diff(f.admin, "default", "reg", 1, 4)
	if err != nil || len(d.Changes) != 0 {
		t.Errorf("diff of version 1 and its rollback = %+v, %v; want none", d, err)
	}
	events, err := f.store.ListAudit(t.Context(), tether.AuditFilter{Actions: []string{service.ActionRollback}})
	if err != nil || len(events) == 0 || events[len(events)-1].Outcome != tether.OutcomeSuccess {
		t.Errorf("rollback audit events = %+v, %v", events, err)
	}
}

func TestHistoryRetentionPrunes(t *testing.T) {
	f := newHistoryFixture(t, 2)
	f.writeVersions(t)
	list, err := f.set.Connections.History(f.admin, "default", "reg", tether.HistoryOptions{})
	if err != nil || len(list) != 2 || list[0].Version != 3 || list[1].Version != 2 {
		t.Fatalf("history keeping 2 = %d versions, %v; want 3 and 2", len(list), err)
	}
	if _, err := f.set.Connections.Rollback(f.admin, "default", "reg", 1, tether.UpdateOptions{}); tether.ErrorCode(err) != tether.ENOTFOUND {
		t.Errorf("rollback to a pruned version: %v, want ENOTFOUND", err)
	}
}

func TestKeyRotationRewrapsHistory(t *testing.T) {
	f := newHistoryFixture(t, 10)
	f.writeVersions(t)
	keyID, err := f.set.Keys.Rotate(f.admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	left, err := f.store.VersionsNotWrappedBy(t.Context(), keyID, tether.VersionKey{}, 10)
	if err != nil || len(left) != 0 {
		t.Errorf("versions not wrapped by the new key after rotation: %d, %v", len(left), err)
	}
	v, err := f.set.Connections.GetVersion(f.admin, "default", "reg", 2, true)
	if err != nil || string(v.Spec.Password) != b64(passwords[1]) {
		t.Errorf("version 2 after rotation opens with its password: %v", err)
	}
}
