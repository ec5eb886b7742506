package backup_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
)

func sampleDump() (*tether.Dump, []*tether.Record) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	records := []*tether.Record{
		{Namespace: "default", ID: "a", Type: "s3", Spec: []byte(`{"type":"s3"}`), Sealed: []byte{0, 1, 255}, KeyID: "k-1", Version: 3, CreatedAt: at, UpdatedAt: at.Add(time.Hour)},
		{Namespace: "team", ID: "b", Type: "git", Vital: true, Spec: []byte(`{"type":"git"}`), Version: 1, CreatedAt: at, UpdatedAt: at},
	}
	exp := at.Add(24 * time.Hour)
	d := &tether.Dump{
		KeyChecks:   map[string][]byte{"k-1": []byte("check")},
		Tokens:      []*tether.Token{{ID: "t1", Hash: []byte("hash"), Subject: "user:admin", CreatedAt: at, ExpiresAt: &exp}},
		RecordCount: len(records),
		Records: func(yield func(*tether.Record, error) bool) {
			for _, r := range records {
				if !yield(r, nil) {
					return
				}
			}
		},
	}
	return d, records
}

func write(t *testing.T, d *tether.Dump) []byte {
	t.Helper()
	var buf bytes.Buffer
	var progress [][2]int
	if err := backup.Write(&buf, d, func(done, total int) { progress = append(progress, [2]int{done, total}) }); err != nil {
		t.Fatal(err)
	}
	if len(progress) != d.RecordCount || progress[len(progress)-1] != [2]int{d.RecordCount, d.RecordCount} {
		t.Errorf("progress %v", progress)
	}
	return buf.Bytes()
}

func readAll(data []byte) (*tether.Dump, []*tether.Record, error) {
	d, err := backup.Read(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var got []*tether.Record
	for r, err := range d.Records {
		if err != nil {
			return d, got, err
		}
		got = append(got, r)
	}
	return d, got, nil
}

func TestRoundTrip(t *testing.T) {
	d, records := sampleDump()
	got, recs, err := readAll(write(t, d))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(records, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(d.Tokens, got.Tokens); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if string(got.KeyChecks["k-1"]) != "check" || got.RecordCount != 2 {
		t.Errorf("header: %v, %d", got.KeyChecks, got.RecordCount)
	}
}

func TestReadRefusesDamage(t *testing.T) {
	d, _ := sampleDump()
	good := string(write(t, d))
	lines := strings.SplitAfter(good, "\n")
	cases := map[string]string{
		"truncated":       strings.Join(lines[:len(lines)-2], ""),
		"no trailer":      strings.Join(lines[:3], ""),
		"altered record":  strings.Replace(good, `"version":3`, `"version":4`, 1),
		"record dropped":  lines[0] + lines[2] + lines[3],
		"malformed line":  lines[0] + "{not json\n" + lines[2] + lines[3],
		"trailer altered": strings.Replace(good, `"records":2`, `"records":1`, 1),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := readAll([]byte(data))
			if tether.ErrorCode(err) != tether.EINVALID {
				t.Errorf("err = %v, want EINVALID", err)
			}
		})
	}
	for name, data := range map[string]string{"empty": "", "other JSON": `{"format":"x"}` + "\n", "newer version": `{"format":"tether-backup","version":9}` + "\n"} {
		if _, err := backup.Read(strings.NewReader(data)); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

// FuzzRead: any input is a backup or an EINVALID error, never a panic, and
// a sequence never yields a nil record without an error.
func FuzzRead(f *testing.F) {
	d, _ := sampleDump()
	var buf bytes.Buffer
	if err := backup.Write(&buf, d, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"tether-backup","version":1}` + "\n" + `{"end":true,"records":0,"sha256":""}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, recs, err := readAll(data)
		if err != nil {
			if tether.ErrorCode(err) != tether.EINVALID {
				t.Fatalf("error code %s: %v", tether.ErrorCode(err), err)
			}
			return
		}
		for _, r := range recs {
			if r == nil {
				t.Fatal("nil record without error")
			}
		}
	})
}
