package http_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// TestConnectionTypes: GET /api/v1/connection-types answers every type of
// the registry, sorted by name, with its JSON Schema, to any caller with a
// valid token, even one bound to no namespace; one type by name; 404 for a
// name that is none; 401 without a token.
func TestConnectionTypes(t *testing.T) {
	s := newStack(t)
	nobody := s.issue(t, "user:nobody")
	r := s.doAs(nobody, "GET", tether.PathTypes, "")
	mustStatus(t, r, http.StatusOK)
	var list []*tether.TypeSchema
	r.json(t, &list)
	var want, got []string
	for _, typ := range conntype.New().Types() {
		want = append(want, typ.Name)
	}
	for _, ts := range list {
		got = append(got, ts.Name)
		if len(ts.Schema) == 0 || ts.Group == "" {
			t.Errorf("%s: no schema or group", ts.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("types %v, want the registry's %v", got, want)
	}

	r = s.doAs(nobody, "GET", tether.PathTypes+"/s3", "")
	mustStatus(t, r, http.StatusOK)
	var s3 tether.TypeSchema
	r.json(t, &s3)
	if s3.Name != "s3" || !slices.Contains(s3.Secrets, "keySecret") || !s3.Test || !s3.ShortLived {
		t.Errorf("s3: %+v", s3)
	}

	r = s.do("GET", tether.PathTypes+"/nosuch", "")
	mustStatus(t, r, http.StatusNotFound)
	if msg := r.message(t); msg != `connection type "nosuch" does not exist` {
		t.Errorf("message %q", msg)
	}
	mustStatus(t, s.doAs("", "GET", tether.PathTypes, ""), http.StatusUnauthorized)
}
