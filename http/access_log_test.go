package http_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAccessLogBoundsThePath: a caller's long path (here a 300 KB id, refused
// at the edge) costs a bounded, marked log record, not its own size.
func TestAccessLogBoundsThePath(t *testing.T) {
	s := newStack(t)
	id := strings.Repeat("a", 300<<10)
	req, err := http.NewRequest("GET", s.srv.URL+"/api/v1/connection/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	var found bool
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ Msg, Path string }
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Msg != "request" {
			continue
		}
		found = true
		if len(sc.Bytes()) > 1024 || !strings.HasSuffix(rec.Path, "…[cut]") {
			t.Errorf("request record of %d bytes, path ends %q; want at most 1 KiB and a cut mark",
				len(sc.Bytes()), rec.Path[max(0, len(rec.Path)-12):])
		}
	}
	if !found {
		t.Fatalf("no request record in the log:\n%.2000s", s.logs.String())
	}
}
