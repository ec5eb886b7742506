package http_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// toVersion1 rewrites a version 2 backup as the previous release wrote it:
// a header holding the tokens, one line per record, and a trailer counting
// the records only.
func toVersion1(t *testing.T, v2 string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(v2), "\n")
	var hd map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &hd); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	tokens, records := []any{}, 0
	for _, line := range lines[1 : len(lines)-1] {
		var e map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if tok, ok := e["token"]; ok {
			tokens = append(tokens, tok)
		}
		if conn, ok := e["connection"]; ok {
			out = append(out, string(conn)+"\n")
			records++
		}
	}
	head, _ := json.Marshal(map[string]any{"format": "tether-backup", "version": 1, "recordCount": records,
		"keyChecks": hd["keyChecks"], "tokens": tokens})
	body := string(head) + "\n" + strings.Join(out, "")
	sum := sha256.Sum256([]byte(body))
	trailer, _ := json.Marshal(map[string]any{"end": true, "records": records, "sha256": hex.EncodeToString(sum[:])})
	return body + string(trailer) + "\n"
}

// TestRestoreVersion1Backup: a backup of the previous format still
// restores: connections, tokens and the namespaces of its connections, and
// the answer says the role bindings were not in it.
func TestRestoreVersion1Backup(t *testing.T) {
	src := newStack(t)
	mustStatus(t, src.do("POST", "/api/v1/namespaces", `{"name":"team-a"}`), http.StatusCreated)
	mustStatus(t, src.do("POST", "/api/v1/namespaces/team-a/connection", s3Example), http.StatusCreated)
	b := src.do("GET", "/api/v1/backup", "")
	mustStatus(t, b, http.StatusOK)
	v1 := toVersion1(t, string(b.body))

	dst := newStackWithKey(t, filepath.Join(src.dir, "tether.key"))
	r := dst.do("POST", "/api/v1/restore", v1)
	mustStatus(t, r, http.StatusOK)
	var res struct {
		Message string
		Records int
		Omitted []string
	}
	r.json(t, &res)
	if res.Records != 1 || !strings.Contains(res.Message, "without namespaces or role bindings") || len(res.Omitted) != 2 {
		t.Errorf("restore of a version 1 backup answered %+v", res)
	}
	mustStatus(t, dst.do("GET", "/api/v1/namespaces/team-a", ""), http.StatusOK)
	want := src.do("GET", "/api/v1/namespaces/team-a/connection/training-data/decrypted", "")
	got := dst.do("GET", "/api/v1/namespaces/team-a/connection/training-data/decrypted", "")
	if string(want.body) != string(got.body) {
		t.Errorf("connection differs after restore:\n%s\n%s", want.body, got.body)
	}
	mustStatus(t, dst.doAs(src.token, "GET", "/api/v1/namespaces/team-a/connection", ""), http.StatusOK)
}

// TestBackupAuditParameter: audit=true adds the audit log; anything but a
// boolean is a 400.
func TestBackupAuditParameter(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	mustStatus(t, s.do("GET", "/api/v1/connection/training-data/decrypted", ""), http.StatusOK)
	if r := s.do("GET", "/api/v1/backup", ""); strings.Contains(string(r.body), `{"audit":`) {
		t.Errorf("a backup without audit=true holds the audit log")
	}
	with := s.do("GET", "/api/v1/backup?audit=true", "")
	mustStatus(t, with, http.StatusOK)
	if !strings.Contains(string(with.body), `"action":"connection.reveal"`) {
		t.Errorf("a backup with audit=true lacks the reveal:\n%s", with.body)
	}
	r := s.do("GET", "/api/v1/backup?audit=maybe", "")
	mustStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(r.message(t), "audit") {
		t.Errorf("message %q does not name audit", r.message(t))
	}
}
