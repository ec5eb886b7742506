package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// TestTimes checks the microsecond codec against the driver: what it binds
// reads back as the same instant, in UTC, and NULL only where allowed.
func TestTimes(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "times.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 5, 1, 12, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))
	want := at.Truncate(time.Microsecond).UTC()
	var tm times

	var got time.Time
	if err := db.QueryRow(`SELECT ?`, tm.Value(at)).Scan(tm.Dest(&got)); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Dest read %v, want %v in UTC", got, want)
	}
	// Text is converted as Scan into an int64 would convert it.
	if err := db.QueryRow(`SELECT '1000000'`).Scan(tm.Dest(&got)); err != nil || !got.Equal(time.Unix(1, 0)) {
		t.Errorf("Dest read text as %v, %v; want %v", got, err, time.Unix(1, 0).UTC())
	}
	if err := db.QueryRow(`SELECT NULL`).Scan(tm.Dest(&got)); err == nil {
		t.Error("Dest read NULL without error")
	}
	for _, tc := range []struct {
		name string
		in   *time.Time
		want *time.Time
	}{
		{"set", &at, &want},
		{"NULL", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := time.Unix(1, 0)
			got := &old
			if err := db.QueryRow(`SELECT ?`, tm.NullValue(tc.in)).Scan(tm.NullDest(&got)); err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || got != nil && (!got.Equal(*tc.want) || got.Location() != time.UTC) {
				t.Errorf("NullDest read %v, want %v", got, tc.want)
			}
		})
	}
}
