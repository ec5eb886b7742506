package http_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

// TestHistoryThroughTheClient: the Go client reads a connection's history,
// one version masked and revealed, a diff, and rolls back, through the
// server; no answer but the revealed version holds the secret.
func TestHistoryThroughTheClient(t *testing.T) {
	s := newStack(t)
	cl, err := client.NewClient(s.srv.URL, func() (string, error) { return s.token, nil }, s.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	const first, second = "Zmlyc3Qtc2VjcmV0", "c2Vjb25kLXNlY3JldA=="
	c := &tether.Connection{ID: "reg", Spec: tether.ConnectionSpec{Type: "docker", URI: "registry.example",
		Username: "u", Password: first}}
	if _, err := cl.Create(ctx, "default", c); err != nil {
		t.Fatal(err)
	}
	c.Spec.Password = second
	if _, err := cl.Update(ctx, "default", c, tether.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := cl.History(ctx, "default", "reg", tether.HistoryOptions{})
	if err != nil || len(list) != 2 || list[0].Version != 2 || strings.Join(list[0].Changed, ",") != "spec.password" {
		t.Fatalf("History = %+v, %v; want versions 2 (password changed) and 1", list, err)
	}
	masked, err := cl.GetVersion(ctx, "default", "reg", 1, false)
	if err != nil || masked.Spec.Password != tether.Mask {
		t.Errorf("masked version 1: password masked %v, %v", err == nil && masked.Spec.Password == tether.Mask, err)
	}
	revealed, err := cl.GetVersion(ctx, "default", "reg", 1, true)
	if err != nil || revealed.Spec.Password != first {
		t.Errorf("revealed version 1: password as posted %v, %v", err == nil && revealed.Spec.Password == first, err)
	}
	d, err := cl.Diff(ctx, "default", "reg", 1, 2)
	if err != nil || len(d.Changes) != 1 || !d.Changes[0].Secret || d.Changes[0].From != "" || d.Changes[0].To != "" {
		t.Errorf("Diff(1, 2) = %+v, %v; want the password, secret, without values", d, err)
	}
	if _, err := cl.Rollback(ctx, "default", "reg", 1, tether.UpdateOptions{Version: 1}); tether.ErrorCode(err) != tether.ECONFLICT {
		t.Errorf("rollback expecting version 1: %v, want ECONFLICT", err)
	}
	out, err := cl.Rollback(ctx, "default", "reg", 1, tether.UpdateOptions{Version: 2})
	if err != nil || out.Status.Version != 3 || out.Spec.Password != tether.Mask {
		t.Fatalf("Rollback = %+v, %v; want version 3, masked", out, err)
	}
	if now, err := cl.Reveal(ctx, "default", "reg"); err != nil || now.Spec.Password != first {
		t.Errorf("after rollback the password is version 1's: %v, %v", err == nil && now.Spec.Password == first, err)
	}
	for _, path := range []string{"/history", "/history/1", "/history/1/diff/3", "/history/2/diff/3"} {
		r := s.do("GET", "/api/v1/connection/reg"+path, "")
		if r.status != http.StatusOK || bytes.Contains(r.body, []byte(first)) || bytes.Contains(r.body, []byte(second)) {
			t.Errorf("GET %s: %d, holds a secret: %v", path, r.status, bytes.Contains(r.body, []byte(first)) || bytes.Contains(r.body, []byte(second)))
		}
	}
}

// TestHistoryRefusesBadInput: versions and pages that are not numbers, or
// out of range, are 400s; a version not kept is a 404.
func TestHistoryRefusesBadInput(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/api/v1/connection/training-data/history/0", "", 400},
		{"GET", "/api/v1/connection/training-data/history/x", "", 400},
		{"GET", "/api/v1/connection/training-data/history/99999999999999999999", "", 400},
		{"GET", "/api/v1/connection/training-data/history?limit=101", "", 400},
		{"GET", "/api/v1/connection/training-data/history?limit=x", "", 400},
		{"GET", "/api/v1/connection/training-data/history?before=-1", "", 400},
		{"GET", "/api/v1/connection/training-data/history/1?decrypted=maybe", "", 400},
		{"GET", "/api/v1/connection/training-data/history/1/diff/x", "", 400},
		{"POST", "/api/v1/connection/training-data/rollback", `{"version":0}`, 400},
		{"POST", "/api/v1/connection/training-data/rollback", `{"version":1,"version":1}`, 400},
		{"POST", "/api/v1/connection/training-data/rollback", `{"to":1}`, 400},
		{"GET", "/api/v1/connection/training-data/history/7", "", 404},
		{"GET", "/api/v1/connection/nope/history", "", 404},
		{"POST", "/api/v1/connection/nope/rollback", `{"version":1}`, 404},
		{"GET", "/api/v1/connection/training-data/history/1", "", 200},
	} {
		mustStatus(t, s.do(tc.method, tc.path, tc.body), tc.want)
	}
}
