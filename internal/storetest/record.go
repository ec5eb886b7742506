package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// changed returns a copy of r at the next version with every mutable field
// changed.
func changed(r *tether.Record) *tether.Record {
	c := *r
	c.Type = r.Type + "-x"
	c.Vital = !r.Vital
	c.Spec = fmt.Appendf(nil, `{"changed":%d}`, r.Version+1)
	c.Sealed = append([]byte{0xff, 0x00}, fmt.Sprintf("resealed-%d", r.Version+1)...)
	c.KeyID = fmt.Sprintf("key-%d", r.Version+1)
	c.LastTest = fmt.Appendf(nil, `{"ok":true,"version":%d}`, r.Version+1)
	c.Version = r.Version + 1
	c.UpdatedAt = r.UpdatedAt.Add(time.Hour + 3*time.Microsecond)
	c.Expiry = nil // an expiry comes and goes with the credential
	if r.Expiry == nil {
		c.Expiry = &tether.Expiry{At: c.UpdatedAt.Add(30*24*time.Hour + 5*time.Microsecond), What: fmt.Sprintf("SAS token %d", c.Version)}
	}
	return &c
}

func testCreateGet(t *testing.T, s tether.Store) {
	vital := NewRecord("default", "vital-one", "s3")
	vital.Vital = true
	plain := NewRecord("default", "no-secrets", "git")
	plain.Sealed, plain.KeyID = nil, ""
	utc := NewRecord("default", "utc-times", "gcs")
	utc.Version = 42
	utc.CreatedAt = time.Date(2001, 2, 3, 4, 5, 6, 789012000, time.UTC)
	utc.UpdatedAt = time.Date(2031, 12, 31, 23, 59, 59, 999999000, time.UTC)
	tested := NewRecord("default", "tested", "s3")
	tested.LastTest = []byte(`{"ok":false,"message":"access denied","version":1}`)
	expiring := NewRecord("default", "expiring", "azureblob")
	expiring.Expiry = &tether.Expiry{At: time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.FixedZone("X", -5*3600)), What: `caBundle certificate "CN=minio"`}
	tests := []struct {
		name string
		r    *tether.Record
	}{
		{"every field", NewRecord("default", "s3-data", "s3")},
		{"vital", vital},
		{"nil sealed", plain},
		{"utc times", utc},
		{"last test", tested},
		{"expiry", expiring},
		{"other namespace", NewRecord("team-a", "s3-data", "s3")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := *tc.r
			create(t, s, tc.r)
			wantStored(t, s, &want)
		})
	}
}

func testCreateDuplicate(t *testing.T, s tether.Store) {
	r := NewRecord("default", "dup", "s3")
	create(t, s, r)
	again := changed(r)
	again.Version = 1
	err := s.CreateRecord(t.Context(), again)
	wantCode(t, "CreateRecord of an existing id", err, tether.ECONFLICT)
	wantStored(t, s, r)
}

func testNamespaces(t *testing.T, s tether.Store) {
	a := NewRecord("default", "shared", "s3")
	b := NewRecord("team-a", "shared", "gcs")
	create(t, s, a, b)
	wantStored(t, s, a)
	wantStored(t, s, b)

	a2 := changed(a)
	if err := s.UpdateRecord(t.Context(), a2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	wantStored(t, s, b)
	if err := s.DeleteRecord(t.Context(), "team-a", "shared"); err != nil {
		t.Fatalf("DeleteRecord: %v", err)
	}
	wantStored(t, s, a2)
	_, err := s.GetRecord(t.Context(), "team-a", "shared")
	wantCode(t, "GetRecord after delete", err, tether.ENOTFOUND)
}

func testNotFound(t *testing.T, s tether.Store) {
	elsewhere := NewRecord("team-a", "elsewhere", "s3")
	create(t, s, elsewhere)
	ctx := t.Context()
	tests := []struct {
		name string
		id   string
		call func() error
	}{
		{"get", "missing", func() error { _, err := s.GetRecord(ctx, "default", "missing"); return err }},
		{"get other namespace", "elsewhere", func() error { _, err := s.GetRecord(ctx, "default", "elsewhere"); return err }},
		{"update", "missing", func() error { return s.UpdateRecord(ctx, NewRecord("default", "missing", "s3"), 1) }},
		{"update other namespace", "elsewhere", func() error {
			return s.UpdateRecord(ctx, NewRecord("default", "elsewhere", "s3"), 1)
		}},
		{"delete", "missing", func() error { return s.DeleteRecord(ctx, "default", "missing") }},
		{"delete other namespace", "elsewhere", func() error { return s.DeleteRecord(ctx, "default", "elsewhere") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantCode(t, tc.name, err, tether.ENOTFOUND)
			if msg := tether.ErrorMessage(err); !strings.Contains(msg, tc.id) {
				t.Errorf("message %q does not name %q", msg, tc.id)
			}
		})
	}
	wantStored(t, s, elsewhere)
}

func testUpdate(t *testing.T, s tether.Store) {
	r := NewRecord("default", "updated", "s3")
	create(t, s, r)
	v2 := changed(r)
	v3 := changed(v2)
	v3.Sealed, v3.KeyID = nil, ""
	v4 := changed(v3)
	for _, step := range []struct {
		r        *tether.Record
		expected int64
	}{{v2, 1}, {v3, 2}, {v4, 3}} {
		if err := s.UpdateRecord(t.Context(), step.r, step.expected); err != nil {
			t.Fatalf("UpdateRecord to version %d: %v", step.r.Version, err)
		}
		wantStored(t, s, step.r)
	}
}

func testUpdateStale(t *testing.T, s tether.Store) {
	r := NewRecord("default", "stale", "s3")
	create(t, s, r)
	v2 := changed(r)
	err := s.UpdateRecord(t.Context(), v2, 7)
	wantCode(t, "UpdateRecord with a wrong version", err, tether.ECONFLICT)
	wantStored(t, s, r)

	if err := s.UpdateRecord(t.Context(), v2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	late := changed(r) // a writer that also read version 1
	late.Spec = []byte(`{"late":true}`)
	err = s.UpdateRecord(t.Context(), late, 1)
	wantCode(t, "UpdateRecord from a version read before another update", err, tether.ECONFLICT)
	wantStored(t, s, v2)
}

// testUpdateConcurrent races writers that all read version 1: exactly one
// may win, and the stored record must be the winner's.
func testUpdateConcurrent(t *testing.T, s tether.Store) {
	const writers = 16
	r := NewRecord("default", "contended", "s3")
	create(t, s, r)
	updates := make([]*tether.Record, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		updates[i] = changed(r)
		updates[i].Spec = fmt.Appendf(nil, `{"writer":%d}`, i)
		wg.Go(func() { errs[i] = s.UpdateRecord(t.Context(), updates[i], 1) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		default:
			wantCode(t, fmt.Sprintf("writer %d", i), err, tether.ECONFLICT)
		}
	}
	if winner < 0 {
		t.Fatal("no writer succeeded")
	}
	wantStored(t, s, updates[winner])
}

func testDelete(t *testing.T, s tether.Store) {
	a := NewRecord("default", "doomed", "s3")
	b := NewRecord("default", "kept", "s3")
	create(t, s, a, b)
	if err := s.DeleteRecord(t.Context(), "default", "doomed"); err != nil {
		t.Fatalf("DeleteRecord: %v", err)
	}
	_, err := s.GetRecord(t.Context(), "default", "doomed")
	wantCode(t, "GetRecord after delete", err, tether.ENOTFOUND)
	err = s.DeleteRecord(t.Context(), "default", "doomed")
	wantCode(t, "second DeleteRecord", err, tether.ENOTFOUND)
	wantStored(t, s, b)
}

func testDeleteVital(t *testing.T, s tether.Store) {
	r := NewRecord("default", "precious", "s3")
	r.Vital = true
	create(t, s, r)
	err := s.DeleteRecord(t.Context(), "default", "precious")
	wantCode(t, "DeleteRecord of a vital record", err, tether.EINVALID)
	if msg := tether.ErrorMessage(err); !strings.Contains(msg, "precious") {
		t.Errorf("message %q does not name the record", msg)
	}
	wantStored(t, s, r)

	v2 := changed(r) // no longer vital
	if err := s.UpdateRecord(t.Context(), v2, 1); err != nil {
		t.Fatalf("UpdateRecord: %v", err)
	}
	if err := s.DeleteRecord(t.Context(), "default", "precious"); err != nil {
		t.Fatalf("DeleteRecord once not vital: %v", err)
	}
}
