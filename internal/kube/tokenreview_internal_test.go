package kube

import (
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"

	"github.com/tether-ml/tether"
)

// TestIdentityFrom covers answers a test API server cannot be made to
// give: authenticated users that are not service accounts (an OIDC user,
// with the server's --oidc flags) and answers without the audience.
func TestIdentityFrom(t *testing.T) {
	sa := authnv1.UserInfo{Username: "system:serviceaccount:ml:trainer", UID: "u1", Groups: []string{"g"}}
	type idCase struct {
		name    string
		status  authnv1.TokenReviewStatus
		subject string // "" for EUNAUTHORIZED
		tokenID string
	}
	jti := sa
	jti.Extra = map[string]authnv1.ExtraValue{credentialIDKey: {"JTI=j1"}}
	cases := []idCase{
		{"service account", authnv1.TokenReviewStatus{Authenticated: true, Audiences: []string{"tether"}, User: sa},
			"serviceaccount:ml:trainer", "k8s:u1"},
		{"with a JTI", authnv1.TokenReviewStatus{Authenticated: true, Audiences: []string{"x", "tether"}, User: jti},
			"serviceaccount:ml:trainer", "k8s:JTI=j1"},
		{"not authenticated", authnv1.TokenReviewStatus{Error: "bad SECRET-TOKEN"}, "", ""},
		{"no audience", authnv1.TokenReviewStatus{Authenticated: true, User: sa}, "", ""},
		{"other audience", authnv1.TokenReviewStatus{Authenticated: true, Audiences: []string{"api"}, User: sa}, "", ""},
	}
	for _, name := range []string{"alice", "system:serviceaccount:ml", "system:serviceaccount::x",
		"system:serviceaccount:ml:", "system:serviceaccount:a:b:c", "system:node:n1",
		"admin", "user:admin", "system:tether:admin", "system:admin"} {
		cases = append(cases, idCase{name, authnv1.TokenReviewStatus{Authenticated: true, Audiences: []string{"tether"},
			User: authnv1.UserInfo{Username: name}}, "", ""})
	}
	for _, tc := range cases {
		id, err := identityFrom(tc.status, "tether", "SECRET-TOKEN")
		if tc.subject == "" {
			if tether.ErrorCode(err) != tether.EUNAUTHORIZED || id != nil {
				t.Errorf("%s: %v, %v; want EUNAUTHORIZED", tc.name, id, err)
			} else if s := err.Error(); strings.Contains(s, "SECRET-TOKEN") {
				t.Errorf("%s: the error quotes the token: %s", tc.name, s)
			}
			continue
		}
		if err != nil || id.Subject != tc.subject || id.TokenID != tc.tokenID || id.Groups[0] != "group:g" ||
			id.Method != tether.MethodKubernetes {
			t.Errorf("%s: %+v, %v", tc.name, id, err)
		}
	}
}

// TestReviewCache checks expiry, the token's own expiry, and the bound.
func TestReviewCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newReviewCache(10*time.Second, 2)
	id := &tether.Identity{Subject: "serviceaccount:a:b", Groups: []string{"group:x"}}
	c.put([32]byte{1}, id, now, time.Time{})
	c.put([32]byte{2}, id, now, now.Add(3*time.Second)) // the token expires first
	c.put([32]byte{3}, id, now, now.Add(-time.Second))  // already expired: not kept
	cases := []struct {
		key  byte
		at   time.Duration
		want bool
	}{{1, 9 * time.Second, true}, {2, 2 * time.Second, true}, {2, 3 * time.Second, false},
		{3, 0, false}, {1, 10 * time.Second, false}}
	for _, tc := range cases {
		if _, ok := c.get([32]byte{tc.key}, now.Add(tc.at)); ok != tc.want {
			t.Errorf("get(%d) at +%s = %v, want %v", tc.key, tc.at, ok, tc.want)
		}
	}
	for k := range byte(100) {
		c.put([32]byte{k}, id, now, time.Time{})
	}
	if n := c.entries.Len(); n > 2 {
		t.Errorf("%d entries, bound 2", n)
	}
	var nilCache *reviewCache
	nilCache.put([32]byte{1}, id, now, time.Time{})
	if _, ok := nilCache.get([32]byte{1}, now); ok {
		t.Error("a nil cache returned an entry")
	}
}
