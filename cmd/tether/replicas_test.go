package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// notifyTimeout is how long a replica may take to receive the change
// notification of a write made through another replica.
const notifyTimeout = 2 * time.Second

// dockerBody is the API body of a docker connection id with the given
// username and raw password (sent base64, as the wire form wants).
func dockerBody(id, username, password string) map[string]any {
	return map[string]any{"kind": "Connection", "id": id, "spec": map[string]any{
		"type": "docker", "uri": "registry.example.com/team", "username": username, "password": b64(password)}}
}

// getConn GETs path (a connection, masked or decrypted) from s with the
// admin token and returns the status and, for a 200, the connection.
func getConn(t *testing.T, s *server, path string) (int, connection) {
	t.Helper()
	status, body := s.api(http.MethodGet, path, nil)
	var c connection
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatalf("GET %s: not a connection: %v\n%s", path, err, body)
		}
	}
	return status, c
}

// wantConn requires GET path through s to answer 200 with a connection at
// version whose username and password (the wire form) are as given.
func wantConn(t *testing.T, s *server, path string, version int, username, password string) {
	t.Helper()
	status, c := getConn(t, s, path)
	if status != http.StatusOK || c.Status.Version != version ||
		c.Spec["username"] != username || c.Spec["password"] != password {
		t.Errorf("GET %s: %d, version %d, username %v, password %v; want 200, version %d, username %q, password %q",
			path, status, c.Status.Version, c.Spec["username"], c.Spec["password"], version, username, password)
	}
}

// listIDs lists the connections of s with the query (e.g. "?size=10&page=1")
// and returns their ids in the order received.
func listIDs(t *testing.T, s *server, query string) []string {
	t.Helper()
	status, body := s.api(http.MethodGet, "/api/v1/connection"+query, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/connection%s: %d %s", query, status, body)
	}
	ids := []string{}
	for _, c := range decodeList(t, string(body)) {
		ids = append(ids, c.ID)
	}
	return ids
}

// mustStatus sends a request through s and requires the status.
func mustStatus(t *testing.T, s *server, want int, method, path string, body any) {
	t.Helper()
	if status, b := s.api(method, path, body); status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, b, want)
	}
}

// TestReplicasSeeEachOthersWrites runs two replicas on one PostgreSQL
// database: what is created, updated and deleted through A is what B
// answers on its very next read, masked, decrypted and listed.
func TestReplicasSeeEachOthersWrites(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	a, b := rs.start(), rs.start()
	const id = "shared-registry"
	path := "/api/v1/connection/" + id
	pw1, pw2 := randomHex(t, 16), randomHex(t, 16)

	mustStatus(t, a, http.StatusCreated, http.MethodPost, "/api/v1/connection", dockerBody(id, "robot", pw1))
	wantConn(t, b, path, 1, "robot", "*****")
	wantConn(t, b, path+"/decrypted", 1, "robot", b64(pw1))
	if ids := listIDs(t, b, ""); !slices.Equal(ids, []string{id}) {
		t.Errorf("B lists %q after the create through A, want [%s]", ids, id)
	}

	mustStatus(t, a, http.StatusOK, http.MethodPut, path, dockerBody(id, "robot-2", pw2))
	wantConn(t, b, path, 2, "robot-2", "*****")
	wantConn(t, b, path+"/decrypted", 2, "robot-2", b64(pw2))

	mustStatus(t, a, http.StatusOK, http.MethodDelete, path, nil)
	for _, p := range []string{path, path + "/decrypted"} {
		if status, _ := getConn(t, b, p); status != http.StatusNotFound {
			t.Errorf("GET %s through B after the delete through A: %d, want 404", p, status)
		}
	}
	if ids := listIDs(t, b, ""); len(ids) != 0 {
		t.Errorf("B lists %q after the delete through A, want nothing", ids)
	}
	a.stop()
	b.stop()
}

// TestReplicasPageCursorsFollowOtherWrites pages through B while A writes:
// B remembers where its pages start, and must forget it when A's writes
// move the boundaries (PostgreSQL's LISTEN/NOTIFY tells it). Each page B
// serves must then be exactly what an offset listing of the current
// connections gives.
func TestReplicasPageCursorsFollowOtherWrites(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	a, b := rs.start(), rs.start()
	var all []string
	for i := 0; i < 50; i += 2 { // page-00, page-02, ... page-48: 25 connections
		id := fmt.Sprintf("page-%02d", i)
		mustStatus(t, a, http.StatusCreated, http.MethodPost, "/api/v1/connection", dockerBody(id, "robot", id))
		all = append(all, id)
	}
	// B pages forwards: page p remembers where page p+1 starts.
	checkPages(t, b, all, 0, 1, 2, 3)

	// Insert before both remembered boundaries and delete between them.
	for _, id := range []string{"page-01", "page-03", "page-05"} {
		mustStatus(t, a, http.StatusCreated, http.MethodPost, "/api/v1/connection", dockerBody(id, "robot", id))
		all = append(all, id)
	}
	mustStatus(t, a, http.StatusOK, http.MethodDelete, "/api/v1/connection/page-20", nil)
	all = slices.DeleteFunc(all, func(id string) bool { return id == "page-20" })
	slices.Sort(all)

	// Reading page p only ever records where page p+1 starts, so polling
	// page 2 cannot repair page 2's own remembered start: it turns right
	// only once B has dropped its cursors. Then pages 1 and 0, read
	// backwards so that no read repairs the next one, must be right at once.
	deadline := time.Now().Add(notifyTimeout)
	for got := listIDs(t, b, "?size=10&page=2"); !slices.Equal(got, offsetPage(all, 10, 2)); got = listIDs(t, b, "?size=10&page=2") {
		if time.Now().After(deadline) {
			t.Fatalf("page 2 through B is still stale %v after A's writes (diff -want +got):\n%s",
				notifyTimeout, cmp.Diff(offsetPage(all, 10, 2), got))
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkPages(t, b, all, 1, 0, 3)
	a.stop()
	b.stop()
}

// offsetPage is page p of size n of the sorted ids, as an offset listing
// gives it.
func offsetPage(sorted []string, n, p int) []string {
	lo, hi := min(p*n, len(sorted)), min((p+1)*n, len(sorted))
	return slices.Clone(sorted[lo:hi])
}

// checkPages requires each page (size 10) of s's list to be the offset
// page of ids.
func checkPages(t *testing.T, s *server, ids []string, pages ...int) {
	t.Helper()
	for _, p := range pages {
		want := offsetPage(ids, 10, p)
		if got := listIDs(t, s, fmt.Sprintf("?size=10&page=%d", p)); !slices.Equal(got, want) {
			t.Errorf("page %d (size 10): diff -want +got:\n%s", p, cmp.Diff(want, got))
		}
	}
}

// TestReplicasForgetRevokedTokens: B remembers a token it has checked;
// revoking it through A reaches B through LISTEN/NOTIFY, and B refuses it
// from then on (within the notification's delay, not the cache's TTL).
func TestReplicasForgetRevokedTokens(t *testing.T) {
	t.Parallel()
	rs := newPGReplicas(t)
	a, b := rs.start(), rs.start()
	var tok struct{ ID, Token string }
	status, body := a.api(http.MethodPost, "/api/v1/tokens", map[string]string{"subject": "user:carol"})
	if status != http.StatusCreated || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("create token: %d %s", status, body)
	}
	// carol has no role: B answers 404, having accepted the token.
	if status, _, _ := b.apiWith(tok.Token, http.MethodGet, "/api/v1/connection", nil); status == http.StatusUnauthorized {
		t.Fatalf("B refuses the new token: %d", status)
	}
	mustStatus(t, a, http.StatusOK, http.MethodDelete, "/api/v1/tokens/"+tok.ID, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _, _ := b.apiWith(tok.Token, http.MethodGet, "/api/v1/connection", nil)
		if status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still accepts the token revoked through A: %d", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.stop()
	b.stop()
}
