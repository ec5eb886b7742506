package http_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

func TestBackupRestoresIntoAnotherServerWithTheKey(t *testing.T) {
	src := newStack(t)
	for _, body := range []string{s3Example, gcsExample, dockerExample, gitExample(t)} {
		mustStatus(t, src.do("POST", "/api/v1/connection", body), http.StatusCreated)
	}
	mustStatus(t, src.do("POST", "/api/v1/keys/rotate", ""), http.StatusOK) // records on two keys' history
	mustStatus(t, src.do("PUT", "/api/v1/connection/training-data", s3Example), http.StatusOK)
	b := src.do("GET", "/api/v1/backup", "")
	mustStatus(t, b, http.StatusOK)
	if b.header.Get("X-Tether-Record-Count") != "4" {
		t.Errorf("record count header %q", b.header.Get("X-Tether-Record-Count"))
	}
	for _, leak := range secretForms() {
		if bytes.Contains(b.body, []byte(leak)) {
			t.Fatalf("the backup holds a secret in the clear (%d bytes)", len(leak))
		}
	}

	dst := newStackWithKey(t, filepath.Join(src.dir, "tether.key"))
	r := dst.do("POST", "/api/v1/restore", string(b.body))
	mustStatus(t, r, http.StatusOK)
	if r.message(t) != "restored 4 connections, 1 namespace, 0 role bindings, 1 token" {
		t.Errorf("restore said %q", r.message(t))
	}
	for _, id := range []string{"training-data", "gcs-data", "docker-registry", "ml-repository"} {
		want := src.do("GET", "/api/v1/connection/"+id+"/decrypted", "")
		got := dst.do("GET", "/api/v1/connection/"+id+"/decrypted", "")
		if string(want.body) != string(got.body) {
			t.Errorf("%s differs after restore:\n%s\n%s", id, want.body, got.body)
		}
	}
	// The source's tokens came along; the target's own still works.
	mustStatus(t, dst.doAs(src.token, "GET", "/api/v1/connection", ""), http.StatusOK)
	mustStatus(t, dst.do("GET", "/api/v1/connection", ""), http.StatusOK)
	// A second restore into the now populated store is refused.
	mustStatus(t, dst.do("POST", "/api/v1/restore", string(b.body)), http.StatusConflict)
}

func TestRestoreRefusesBadBackupsAndWritesNothing(t *testing.T) {
	src := newStack(t)
	for _, body := range []string{s3Example, gcsExample, dockerExample} {
		mustStatus(t, src.do("POST", "/api/v1/connection", body), http.StatusCreated)
	}
	good := string(src.do("GET", "/api/v1/backup", "").body)
	lines := strings.SplitAfter(good, "\n")
	cases := []struct {
		name, body, mentions string
		keyFromSource        bool
	}{
		{"another key file", good, "key file", false},
		{"truncated", strings.Join(lines[:len(lines)-2], ""), "truncated", true},
		{"altered", strings.Replace(good, "training-data", "training-dat4", 1), "checksum", true},
		{"record dropped", strings.Join(append(lines[:len(lines)-3:len(lines)-3], lines[len(lines)-2:]...), ""), "trailer says", true},
		{"not a backup", "hello\n", "not a Tether backup", true},
		{"empty", "", "not a Tether backup", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := ""
			if c.keyFromSource {
				key = filepath.Join(src.dir, "tether.key")
			}
			dst := newStackWithKey(t, key)
			r := dst.do("POST", "/api/v1/restore", c.body)
			mustStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(r.message(t), c.mentions) {
				t.Errorf("message %q does not mention %q", r.message(t), c.mentions)
			}
			var list []tether.Connection
			dst.do("GET", "/api/v1/connection", "").json(t, &list)
			if len(list) != 0 {
				t.Errorf("a refused restore wrote %d connections", len(list))
			}
		})
	}
}
