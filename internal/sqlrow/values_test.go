package sqlrow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// roundTrip inserts values into a table of columns and reads every row back
// with scan, in insertion order.
func roundTrip[T any](t *testing.T, columns string, scan sqlrow.Func[T], values ...[]any) []T {
	t.Helper()
	db := openDB(t, `CREATE TABLE t (`+columns+`)`)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(sqlrow.ColumnNames(columns))), ", ")
	for _, v := range values {
		if _, err := db.Exec(`INSERT INTO t (`+columns+`) VALUES (`+marks+`)`, v...); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sqlrow.Collect(query(t, db, `SELECT `+columns+` FROM t ORDER BY rowid`), scan)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// emptyBytes equates nil and empty byte slices.
var emptyBytes = cmpopts.EquateEmpty()

var (
	paris = time.FixedZone("CEST", 2*3600)
	t1    = time.Date(2026, 5, 1, 12, 30, 0, 123456000, paris)
	t2    = time.Date(2026, 5, 2, 8, 0, 0, 0, time.UTC)
)

func TestRecord(t *testing.T) {
	in := []*tether.Record{
		{Namespace: "ns", ID: "a", Type: "s3", Vital: true, Spec: []byte(`{}`), Sealed: []byte{9},
			KeyID: "k1", Version: 3, CreatedAt: t1, UpdatedAt: t2, LastTest: []byte(`{"ok":true}`),
			Expiry: &tether.Expiry{At: t1, What: "SAS token"}},
		{Namespace: "ns", ID: "b", Type: "git", KeyID: "k1", Version: 1, CreatedAt: t2, UpdatedAt: t2},
	}
	var values [][]any
	for _, r := range in {
		values = append(values, sqlrow.RecordValues[textTimes](r))
	}
	got := roundTrip(t, sqlrow.RecordColumns, sqlrow.Record[textTimes], values...)
	// Times come back in UTC. (The driver reads an empty blob as nil:
	// emptyBytes lets the comparison ignore that.)
	want := []*tether.Record{
		{Namespace: "ns", ID: "a", Type: "s3", Vital: true, Spec: []byte(`{}`), Sealed: []byte{9},
			KeyID: "k1", Version: 3, CreatedAt: t1.UTC(), UpdatedAt: t2, LastTest: []byte(`{"ok":true}`),
			Expiry: &tether.Expiry{At: t1.UTC(), What: "SAS token"}},
		{Namespace: "ns", ID: "b", Type: "git", Spec: []byte{}, KeyID: "k1", Version: 1, CreatedAt: t2, UpdatedAt: t2},
	}
	if diff := cmp.Diff(want, got, emptyBytes); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if got[0].CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt in %v, want UTC", got[0].CreatedAt.Location())
	}
}

func TestToken(t *testing.T) {
	expires := t1
	in := []*tether.Token{
		{ID: "t1", Hash: []byte{1}, Subject: "user:a", CreatedAt: t1, ExpiresAt: &expires},
		{ID: "t2", Subject: "user:b", CreatedAt: t2},
	}
	var values [][]any
	for _, tok := range in {
		values = append(values, sqlrow.TokenValues[textTimes](tok))
	}
	got := roundTrip(t, sqlrow.TokenColumns, sqlrow.Token[textTimes], values...)
	utc := t1.UTC()
	want := []*tether.Token{
		{ID: "t1", Hash: []byte{1}, Subject: "user:a", CreatedAt: utc, ExpiresAt: &utc},
		{ID: "t2", Hash: []byte{}, Subject: "user:b", CreatedAt: t2},
	}
	if diff := cmp.Diff(want, got, emptyBytes); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if got[0].ExpiresAt.Location() != time.UTC {
		t.Errorf("ExpiresAt in %v, want UTC", got[0].ExpiresAt.Location())
	}
}

func TestNamespaceAndRoleBinding(t *testing.T) {
	ns := roundTrip(t, sqlrow.NamespaceColumns, sqlrow.Namespace[textTimes],
		[]any{"team", textTimes{}.Value(t1)})
	if diff := cmp.Diff([]*tether.Namespace{{Name: "team", CreatedAt: t1.UTC()}}, ns); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}
	b := &tether.RoleBinding{ID: "b1", Subject: "user:a", Role: tether.Role("viewer"), Namespace: "team", CreatedAt: t1}
	got := roundTrip(t, sqlrow.RoleBindingColumns, sqlrow.RoleBinding[textTimes], sqlrow.RoleBindingValues[textTimes](b))
	want := *b
	want.CreatedAt = t1.UTC()
	if diff := cmp.Diff([]*tether.RoleBinding{&want}, got); diff != "" {
		t.Errorf("role bindings (-want +got):\n%s", diff)
	}
}

func TestAuditEvent(t *testing.T) {
	e := &tether.AuditEvent{Time: t1, Subject: "user:a", Action: "connection.reveal", Namespace: "team",
		Connection: "c", Job: "j", Outcome: tether.OutcomeSuccess, Remote: "10.0.0.1", Detail: "d"}
	db := openDB(t, `CREATE TABLE audit_events (id INTEGER PRIMARY KEY, `+sqlrow.AuditInsertColumns+`)`)
	if _, err := db.Exec(`INSERT INTO audit_events (`+sqlrow.AuditInsertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sqlrow.AuditValues[textTimes](e)...); err != nil {
		t.Fatal(err)
	}
	got, err := sqlrow.Collect(query(t, db, `SELECT `+sqlrow.AuditColumns+` FROM audit_events`),
		sqlrow.AuditEvent[textTimes])
	if err != nil {
		t.Fatal(err)
	}
	want := *e
	want.ID, want.Time = 1, t1.UTC()
	if diff := cmp.Diff([]*tether.AuditEvent{&want}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
