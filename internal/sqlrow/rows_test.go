package sqlrow_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether/internal/sqlrow"
)

// scanInt reads one integer column.
func scanInt(s sqlrow.Scanner) (int, error) {
	var n int
	err := s.Scan(&n)
	return n, err
}

const numbers = `CREATE TABLE numbers (n)`

func TestCollect(t *testing.T) {
	db := openDB(t, numbers, `INSERT INTO numbers VALUES (3), (1), (2)`)
	tests := []struct {
		name    string
		query   string
		want    []int
		wantErr bool
	}{
		{"every row, in order", `SELECT n FROM numbers ORDER BY n`, []int{1, 2, 3}, false},
		{"no rows is empty, not nil", `SELECT n FROM numbers WHERE n > 9`, []int{}, false},
		{"a scan error ends it", `SELECT 'x' || n FROM numbers`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sqlrow.Collect(query(t, db, tt.query), scanInt)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if (got == nil) != (tt.want == nil) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestYield(t *testing.T) {
	db := openDB(t, numbers, `INSERT INTO numbers VALUES (1), (2), (3)`)
	tests := []struct {
		name    string
		query   string
		stopAt  int // yield returns false for this value; 0: never
		want    []int
		wantErr bool
	}{
		{"every row", `SELECT n FROM numbers ORDER BY n`, 0, []int{1, 2, 3}, false},
		{"stops when yield does", `SELECT n FROM numbers ORDER BY n`, 2, []int{1, 2}, false},
		{"a scan error is returned, not yielded", `SELECT CASE n WHEN 2 THEN 'x' ELSE n END FROM numbers ORDER BY n`,
			0, []int{1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []int{}
			err := sqlrow.Yield(query(t, db, tt.query), scanInt, func(n int, err error) bool {
				if err != nil {
					t.Errorf("yielded error %v", err)
				}
				got = append(got, n)
				return n != tt.stopAt
			})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("yielded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyChecks(t *testing.T) {
	db := openDB(t, `CREATE TABLE key_checks (key_id TEXT, sealed BLOB)`,
		`INSERT INTO key_checks VALUES ('k1', x'0102'), ('k2', x'03')`)
	got, err := sqlrow.KeyChecks(query(t, db, `SELECT `+sqlrow.KeyCheckColumns+` FROM key_checks`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"k1": {1, 2}, "k2": {3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("key checks (-want +got):\n%s", diff)
	}
	empty := openDB(t, `CREATE TABLE key_checks (key_id TEXT, sealed BLOB)`)
	got, err = sqlrow.KeyChecks(query(t, empty, `SELECT key_id, sealed FROM key_checks`))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("no rows: got %#v, %v; want an empty map", got, err)
	}
	_, err = sqlrow.KeyChecks(query(t, db, `SELECT key_id FROM key_checks`))
	if err == nil {
		t.Error("one column: no error")
	}
}

func TestBindForms(t *testing.T) {
	if got := sqlrow.NonNil(nil); got == nil || len(got) != 0 {
		t.Errorf("NonNil(nil) = %#v, want an empty slice", got)
	}
	if got := sqlrow.NonNil([]byte{1}); !cmp.Equal(got, []byte{1}) {
		t.Errorf("NonNil([1]) = %v", got)
	}
	if got := sqlrow.Blob(nil); got != nil {
		t.Errorf("Blob(nil) = %#v, want nil", got)
	}
	if got := sqlrow.Blob([]byte{}); !cmp.Equal(got, any([]byte{})) {
		t.Errorf("Blob(empty) = %#v, want an empty slice", got)
	}
	want := []string{"namespace", "id", "type", "vital", "spec", "sealed", "key_id", "version", "created_at", "updated_at", "last_test",
		"last_test_at", "expires_at", "expiry_what"}
	if diff := cmp.Diff(want, sqlrow.ColumnNames(sqlrow.RecordColumns)); diff != "" {
		t.Errorf("ColumnNames (-want +got):\n%s", diff)
	}
}
