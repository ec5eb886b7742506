package oidc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The claim readers, on shapes the test Dex never sends.

func TestGroupList(t *testing.T) {
	tests := []struct {
		name  string
		claim any
		want  []string
		ok    bool
	}{
		{"absent", nil, nil, true},
		{"one name", "ml-team", []string{"ml-team"}, true},
		{"empty name", " ", nil, true},
		{"list", []any{"a", "", "b"}, []string{"a", "b"}, true},
		{"number in list", []any{"a", 1.0}, nil, false},
		{"control character", []any{"a\nuser:admin"}, nil, false},
		{"object", map[string]any{"a": "b"}, nil, false},
		{"number", 3.0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := groupList(tt.claim)
			if ok != tt.ok || !cmp.Equal(got, tt.want) {
				t.Errorf("groupList(%#v) = %q, %v; want %q, %v", tt.claim, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestIsFalse(t *testing.T) {
	for claim, want := range map[any]bool{false: true, "false": true, "FALSE": true, true: false, "true": false, nil: false, 0.0: false} {
		if got := isFalse(claim); got != want {
			t.Errorf("isFalse(%#v) = %v, want %v", claim, got, want)
		}
	}
}

func TestTokenID(t *testing.T) {
	sig := "c2lnbmF0dXJlLW9mLWEtdG9rZW4"
	if got := tokenID(map[string]any{"jti": "abc-123"}, sig); got != "oidc:abc-123" {
		t.Errorf("with a jti: %q", got)
	}
	for _, claims := range []map[string]any{{}, {"jti": ""}, {"jti": "bad\njti"}, {"jti": strings.Repeat("j", 200)}} {
		got := tokenID(claims, sig)
		if !strings.HasPrefix(got, "oidc:") || len(got) != len("oidc:")+24 || strings.Contains(got, sig) {
			t.Errorf("tokenID(%q) = %q, want oidc: and a short hash", claims, got)
		}
	}
	if tokenID(nil, sig) == tokenID(nil, sig+"x") {
		t.Error("two signatures, one token ID")
	}
}
