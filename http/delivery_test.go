package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDecryptedDelivery checks the delivery parameter of the decrypted
// routes: a connection whose type exchanges nothing is delivered as
// posted, and a value that is not a boolean is a 400 naming it.
func TestDecryptedDelivery(t *testing.T) {
	s := newStack(t)
	mustStatus(t, s.do("POST", "/api/v1/connection", s3Example), http.StatusCreated)
	revealed := s.do("GET", "/api/v1/connection/training-data/decrypted", "")
	cases := []struct {
		path   string
		status int
		msg    string
	}{
		{"/api/v1/connection/training-data/decrypted?delivery=true", http.StatusOK, ""},
		{"/api/v1/namespaces/default/connection/training-data/decrypted?delivery=true", http.StatusOK, ""},
		{"/api/v1/connection/training-data/decrypted?delivery=false", http.StatusOK, ""},
		{"/api/v1/connection/training-data/decrypted?delivery=maybe", http.StatusBadRequest, "query parameter delivery must be true or false"},
		{"/api/v1/connection/nope/decrypted?delivery=true", http.StatusNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := s.do("GET", tc.path, "")
			mustStatus(t, r, tc.status)
			if tc.msg != "" && !strings.Contains(r.message(t), tc.msg) {
				t.Errorf("message %q, want %q", r.message(t), tc.msg)
			}
			if tc.status == http.StatusOK && decodeConn(t, r).Spec.KeySecret != decodeConn(t, revealed).Spec.KeySecret {
				t.Error("the delivery differs from the connection as posted")
			}
		})
	}
}
