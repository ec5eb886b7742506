package storetest

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

func testPing(t *testing.T, s tether.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// storeCalls returns one call of every Store method but those of
// accessCalls, all made with ctx, touching the record default/present, the
// token "present", and the new record default/absent.
func storeCalls(ctx context.Context, s tether.Store) map[string]func() error {
	return map[string]func() error{
		"Ping":      func() error { return s.Ping(ctx) },
		"GetRecord": func() error { _, err := s.GetRecord(ctx, "default", "present"); return err },
		"ListRecords": func() error {
			_, err := s.ListRecords(ctx, "default", tether.ListOptions{})
			return err
		},
		"CreateRecord": func() error { return s.CreateRecord(ctx, NewRecord("default", "absent", "s3")) },
		"UpdateRecord": func() error { return s.UpdateRecord(ctx, changed(NewRecord("default", "present", "s3")), 1) },
		"DeleteRecord": func() error { return s.DeleteRecord(ctx, "default", "present") },
		"RewrapRecord": func() error {
			_, err := s.RewrapRecord(ctx, "default", "present", 1, []byte("x"), "key-9")
			return err
		},
		"SetLastTest": func() error {
			_, err := s.SetLastTest(ctx, "default", "present", 1, []byte(`{"ok":true}`))
			return err
		},
		"ExpiringRecords": func() error { _, err := s.ExpiringRecords(ctx, 10); return err },
		"TestedRecords":   func() error { _, err := s.TestedRecords(ctx, 10); return err },
		"DueRecords": func() error {
			_, err := s.DueRecords(ctx, tether.DueQuery{Types: []string{"s3"}, Before: time.Now(), Limit: 10})
			return err
		},
		"RecordsNotWrappedBy": func() error {
			_, err := s.RecordsNotWrappedBy(ctx, "key-9", "", "", 10)
			return err
		},
		"ListVersions": func() error {
			_, err := s.ListVersions(ctx, "default", "present", 0, 10)
			return err
		},
		"GetVersion": func() error { _, err := s.GetVersion(ctx, "default", "present", 1); return err },
		"VersionsNotWrappedBy": func() error {
			_, err := s.VersionsNotWrappedBy(ctx, "key-9", tether.VersionKey{}, 10)
			return err
		},
		"RewrapVersion": func() error {
			_, err := s.RewrapVersion(ctx, "default", "present", 1, []byte("x"), "key-9")
			return err
		},
		"CountRecordsNotWrappedBy": func() error { _, err := s.CountRecordsNotWrappedBy(ctx, "key-9"); return err },
		"KeyChecks":                func() error { _, err := s.KeyChecks(ctx); return err },
		"PutKeyCheck":              func() error { return s.PutKeyCheck(ctx, "key-9", []byte("x")) },
		"CreateToken":              func() error { return s.CreateToken(ctx, NewToken("absent")) },
		"TokenByHash":              func() error { _, err := s.TokenByHash(ctx, NewToken("present").Hash); return err },
		"CountTokens":              func() error { _, err := s.CountTokens(ctx); return err },
		"CountRecords":             func() error { _, err := s.CountRecords(ctx); return err },
		"Export":                   func() error { return s.Export(ctx, func(*tether.Dump) error { return nil }) },
		"Import": func() error {
			return s.Import(ctx, &tether.Dump{Records: seq([]*tether.Record{NewRecord("other", "absent", "s3")})})
		},
		"Changes":         func() error { _, err := s.Changes(ctx, 0, 10); return err },
		"ResourceVersion": func() error { _, err := s.ResourceVersion(ctx); return err },
		"ListTokens":      func() error { _, err := s.ListTokens(ctx); return err },
		"DeleteToken":     func() error { return s.DeleteToken(ctx, "present") },
	}
}

// accessCalls returns one call of every method of namespaces, role bindings
// and the audit log, all made with ctx, touching the namespace "present",
// the binding "present" and the new namespace and binding "absent".
func accessCalls(ctx context.Context, s tether.Store) map[string]func() error {
	return map[string]func() error{
		"CreateNamespace":  func() error { return s.CreateNamespace(ctx, NewNamespace("absent")) },
		"GetNamespace":     func() error { _, err := s.GetNamespace(ctx, "present"); return err },
		"ListNamespaces":   func() error { _, err := s.ListNamespaces(ctx); return err },
		"DeleteNamespace":  func() error { return s.DeleteNamespace(ctx, "present", true) },
		"ListRoleBindings": func() error { _, err := s.ListRoleBindings(ctx); return err },
		"CreateRoleBinding": func() error {
			return s.CreateRoleBinding(ctx, NewRoleBinding("absent", "user:absent", tether.RoleViewer, "present"))
		},
		"DeleteRoleBinding": func() error { return s.DeleteRoleBinding(ctx, "present") },
		"AppendAudit": func() error {
			return s.AppendAudit(ctx, NewAuditEvent("connection.reveal", "default", "present", 0))
		},
		"ListAudit": func() error { _, err := s.ListAudit(ctx, tether.AuditFilter{Namespace: "default"}); return err },
		"DeleteAuditBefore": func() error {
			_, err := s.DeleteAuditBefore(ctx, time.Now().Add(time.Hour), 10)
			return err
		},
	}
}

// testCancelledContext checks that every method fails promptly, with the
// context's error in the chain, when its context is already done; that it
// changes nothing; and that the store still works afterwards.
func testCancelledContext(t *testing.T, s tether.Store) {
	present := NewRecord("default", "present", "s3")
	create(t, s, present, NewRecord("present", "present", "s3"))
	if err := s.CreateToken(t.Context(), NewToken("present")); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	createNamespaces(t, s, "present")
	binding := NewRoleBinding("present", "user:present", tether.RoleEditor, "present")
	createBindings(t, s, binding)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	for ctxName, c := range map[string]struct {
		ctx  context.Context
		want error
	}{"cancelled": {cancelled, context.Canceled}, "expired": {expired, context.DeadlineExceeded}} {
		calls := storeCalls(c.ctx, s)
		maps.Copy(calls, accessCalls(c.ctx, s))
		wantEveryMethod(t, calls)
		for name, call := range calls {
			err := callWithin(t, 10*time.Second, call)
			if !errors.Is(err, c.want) {
				t.Errorf("%s with a %s context: %v, want an error wrapping %v", name, ctxName, err, c.want)
			}
		}
	}
	wantStored(t, s, present)
	_, err := s.GetRecord(t.Context(), "default", "absent")
	wantCode(t, "GetRecord of a record created with a cancelled context", err, tether.ENOTFOUND)
	checks, err := s.KeyChecks(t.Context())
	if err != nil || len(checks) != 0 {
		t.Errorf("KeyChecks = %v, %v; want none", checks, err)
	}
	wantTokens(t, s, 1)
	wantNamespaces(t, s, "default", "present")
	wantStored(t, s, NewRecord("present", "present", "s3"))
	wantBindings(t, s, binding)
	wantAudit(t, "ListAudit after appends with a done context", nil, listAudit(t, s, tether.AuditFilter{}))
	testPing(t, s)
}

// callWithin runs call and returns its error, failing t if it takes longer
// than d: a done context must make a store give up, not hang.
func callWithin(t *testing.T, d time.Duration, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("call still running after %v with a done context", d)
		return nil
	}
}

// wantEveryMethod fails t unless calls holds a call of every method of
// tether.Store but Close, so that a method added to the contract cannot
// miss this test.
func wantEveryMethod(t *testing.T, calls map[string]func() error) {
	t.Helper()
	store := reflect.TypeFor[tether.Store]()
	for i := range store.NumMethod() {
		if name := store.Method(i).Name; name != "Close" && calls[name] == nil {
			t.Errorf("storeCalls and accessCalls lack a call of %s", name)
		}
	}
}
