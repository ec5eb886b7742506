package backup_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
)

// content is what a dump holds, read out.
type content struct {
	KeyChecks    map[string][]byte
	Namespaces   []*tether.Namespace
	RoleBindings []*tether.RoleBinding
	Tokens       []*tether.Token
	Records      []*tether.Record
	Audit        []*tether.AuditEvent
	Omitted      []string
}

func sample() content {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	exp := at.Add(24 * time.Hour)
	return content{
		KeyChecks:  map[string][]byte{"k-1": []byte("check")},
		Namespaces: []*tether.Namespace{{Name: "default", CreatedAt: at}, {Name: "team", CreatedAt: at.Add(time.Minute)}},
		RoleBindings: []*tether.RoleBinding{
			{ID: "rb-1", Subject: "user:ann", Role: tether.RoleViewer, Namespace: "team", CreatedAt: at},
			{ID: "rb-2", Subject: "group:ops", Role: tether.RoleAdmin, Namespace: tether.AllNamespaces, CreatedAt: at},
		},
		Tokens: []*tether.Token{{ID: "t1", Hash: bytes.Repeat([]byte{7}, 32), Subject: "user:ann", CreatedAt: at, ExpiresAt: &exp}},
		Records: []*tether.Record{
			{Namespace: "default", ID: "a", Type: "s3", Spec: []byte(`{"type":"s3"}`), Sealed: []byte{0, 1, 255}, KeyID: "k-1", Version: 3, CreatedAt: at, UpdatedAt: at.Add(time.Hour)},
			{Namespace: "team", ID: "b", Type: "git", Vital: true, Spec: []byte(`{"type":"git"}`), Version: 1, CreatedAt: at, UpdatedAt: at},
		},
		Audit: []*tether.AuditEvent{
			{Time: at, Subject: "user:ann", Action: "connection.reveal", Namespace: "team", Connection: "b", Job: "nightly", Outcome: tether.OutcomeSuccess, Remote: "10.0.0.1", Detail: "d"},
			{Time: at.Add(time.Second), Action: "backup", Outcome: tether.OutcomeDenied},
		},
	}
}

func seqOf[T any](items []T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

func (c content) dump() *tether.Dump {
	return &tether.Dump{KeyChecks: c.KeyChecks, Namespaces: c.Namespaces, RoleBindings: c.RoleBindings, Tokens: c.Tokens,
		RecordCount: len(c.Records), Records: seqOf(c.Records), Audit: seqOf(c.Audit)}
}

func write(t *testing.T, c content, audit bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var progress [][2]int
	opts := backup.Options{Audit: audit, Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }}
	if err := backup.Write(&buf, c.dump(), opts); err != nil {
		t.Fatal(err)
	}
	if n := len(c.Records); len(progress) != n || progress[n-1] != [2]int{n, n} {
		t.Errorf("progress %v", progress)
	}
	return buf.Bytes()
}

// readAll reads a backup as a restore does: records, then the audit log.
func readAll(data []byte) (content, error) {
	d, err := backup.Read(bytes.NewReader(data))
	if err != nil {
		return content{}, err
	}
	c := content{KeyChecks: d.KeyChecks, Namespaces: d.Namespaces, RoleBindings: d.RoleBindings, Tokens: d.Tokens, Omitted: d.Omitted}
	for r, err := range d.Records {
		if err != nil {
			return c, err
		}
		c.Records = append(c.Records, r)
	}
	if d.Audit == nil {
		return c, nil
	}
	for e, err := range d.Audit {
		if err != nil {
			return c, err
		}
		c.Audit = append(c.Audit, e)
	}
	return c, nil
}

// TestRoundTrip: every section comes back as written; the audit log only
// when asked for.
func TestRoundTrip(t *testing.T) {
	for _, audit := range []bool{false, true} {
		want := sample()
		got, err := readAll(write(t, want, audit))
		if err != nil {
			t.Fatalf("audit %v: %v", audit, err)
		}
		if !audit {
			want.Audit = nil
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("audit %v: (-written +read):\n%s", audit, d)
		}
	}
}

// TestReadVersion1: a backup written by the previous release (version 1)
// restores its connections, tokens and key checks, and says it has no
// namespaces or role bindings.
func TestReadVersion1(t *testing.T) {
	data, err := os.ReadFile("testdata/v1.backup")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(data)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	exp := at.Add(720 * time.Hour)
	want := content{
		KeyChecks: map[string][]byte{"k-1": []byte("check")},
		Tokens:    []*tether.Token{{ID: "tok-alice", Hash: got.Tokens[0].Hash, Subject: "user:alice", CreatedAt: at, ExpiresAt: &exp}},
		Records: []*tether.Record{
			{Namespace: "default", ID: "training-data", Type: "s3", Spec: []byte(`{"type":"s3","uri":"s3://raw-data/model/input","region":"eu-central-1"}`), Sealed: []byte{1, 2, 3}, KeyID: "k-1", Version: 2, CreatedAt: at, UpdatedAt: at.Add(time.Hour)},
			{Namespace: "team-a", ID: "registry", Type: "docker", Vital: true, Spec: []byte(`{"type":"docker","uri":"gcr.io/project/odahuflow"}`), Sealed: []byte{4, 5}, KeyID: "k-1", Version: 1, CreatedAt: at.Add(2 * time.Hour), UpdatedAt: at.Add(2 * time.Hour)},
		},
		Omitted: []string{"namespaces", "role bindings"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("version 1 backup (-want +read):\n%s", d)
	}
	if _, err := readAll(bytes.Replace(data, []byte(`"version":2`), []byte(`"version":3`), 1)); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("altered version 1 backup: %v, want EINVALID", err)
	}
}

// TestReadRefusesDamage: damage anywhere, including in the last section,
// ends the read with EINVALID.
func TestReadRefusesDamage(t *testing.T) {
	good := string(write(t, sample(), true))
	lines := strings.SplitAfter(good, "\n") // header, 2 ns, 2 rb, 1 token, 2 conns, 2 audit, trailer, ""
	join := func(idx ...int) string {
		var b strings.Builder
		for _, i := range idx {
			b.WriteString(lines[i])
		}
		return b.String()
	}
	cases := map[string]string{
		"truncated":              strings.Join(lines[:len(lines)-2], ""),
		"no trailer":             join(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
		"altered record":         strings.Replace(good, `"version":3`, `"version":4`, 1),
		"altered last audit":     strings.Replace(good, `"outcome":"denied"`, `"outcome":"success"`, 1),
		"last audit dropped":     join(0, 1, 2, 3, 4, 5, 6, 7, 8, 10),
		"record dropped":         join(0, 1, 2, 3, 4, 5, 7, 8, 9, 10),
		"malformed line":         join(0, 1, 2, 3, 4, 5, 6) + "{not json\n" + join(8, 9, 10),
		"two sections a line":    join(0, 1, 2, 3, 4, 5, 6) + `{"namespace":{"name":"x"},"audit":{"action":"a","outcome":"b"}}` + "\n" + join(8, 9, 10),
		"out of order":           join(0, 1, 2, 3, 4, 5, 7, 6, 8, 9, 10),
		"binding before ns":      join(0, 3, 1, 2, 4, 5, 6, 7, 8, 9, 10),
		"trailer altered":        strings.Replace(good, `"records":2,`, `"records":1,`, 1),
		"after trailer":          good + lines[1],
		"unlisted namespace":     strings.Replace(good, `"namespace":"team","id":"b"`, `"namespace":"gone","id":"b"`, 1),
		"binding in unlisted":    strings.Replace(good, `"namespace":"team","createdAt"`, `"namespace":"gone","createdAt"`, 1),
		"token without hash":     strings.Replace(good, `"hash":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="`, `"hash":"Bw=="`, 1),
		"unknown role":           strings.Replace(good, `"role":"viewer"`, `"role":"root"`, 1),
		"NUL in a subject":       strings.Replace(good, `"subject":"user:ann","role"`, `"subject":"user:a\u0000n","role"`, 1),
		"bad namespace name":     strings.Replace(good, `{"namespace":{"name":"team"`, `{"namespace":{"name":"Team!"`, 1),
		"header count altered":   strings.Replace(good, `"tokenCount":1`, `"tokenCount":2`, 1),
		"audit not announced":    strings.Replace(good, `,"audit":true`, ``, 1),
		"namespace listed twice": join(0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if data == good {
				t.Fatal("the case does not change the backup")
			}
			_, err := readAll([]byte(data))
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
// a sequence never yields a nil item without an error.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := backup.Write(&buf, sample().dump(), backup.Options{Audit: true}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	if v1, err := os.ReadFile("testdata/v1.backup"); err == nil {
		f.Add(v1)
	}
	f.Add([]byte(`{"format":"tether-backup","version":1}` + "\n" + `{"end":true,"records":0,"sha256":""}` + "\n"))
	f.Add([]byte(`{"format":"tether-backup","version":2,"audit":true}` + "\n" + `{"end":true,"records":0,"sha256":""}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := readAll(data)
		if err != nil {
			if tether.ErrorCode(err) != tether.EINVALID {
				t.Fatalf("error code %s: %v", tether.ErrorCode(err), err)
			}
			return
		}
		for _, r := range c.Records {
			if r == nil {
				t.Fatal("nil record without error")
			}
		}
		for _, e := range c.Audit {
			if e == nil {
				t.Fatal("nil audit event without error")
			}
		}
	})
}
