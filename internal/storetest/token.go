package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// wantTokens fails t unless CountTokens is want.
func wantTokens(t *testing.T, s tether.Store, want int) {
	t.Helper()
	n, err := s.CountTokens(t.Context())
	if err != nil || n != want {
		t.Errorf("CountTokens = %d, %v; want %d", n, err, want)
	}
}

func testTokens(t *testing.T, s tether.Store) {
	ctx := t.Context()
	wantTokens(t, s, 0)
	forever := NewToken("forever")
	expires := time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)
	expiring := NewToken("expiring")
	expiring.ExpiresAt = &expires
	for _, tok := range []*tether.Token{forever, expiring} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken(%s): %v", tok.ID, err)
		}
	}
	for _, want := range []*tether.Token{forever, expiring} {
		got, err := s.TokenByHash(ctx, want.Hash)
		if err != nil {
			t.Fatalf("TokenByHash(%s): %v", want.ID, err)
		}
		if d := diff(want, got); d != "" {
			t.Errorf("token %s mismatch (-want +got):\n%s", want.ID, d)
		}
	}
	_, err := s.TokenByHash(ctx, NewToken("unknown").Hash)
	wantCode(t, "TokenByHash of an unknown hash", err, tether.ENOTFOUND)
	_, err = s.TokenByHash(ctx, forever.Hash[:16])
	wantCode(t, "TokenByHash of a hash prefix", err, tether.ENOTFOUND)
	wantTokens(t, s, 2)
}

func testTokenConflict(t *testing.T, s tether.Store) {
	ctx := t.Context()
	first := NewToken("first")
	if err := s.CreateToken(ctx, first); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	sameHash := NewToken("second")
	sameHash.Hash = first.Hash
	err := s.CreateToken(ctx, sameHash)
	wantCode(t, "CreateToken with an existing hash", err, tether.ECONFLICT)
	sameID := NewToken("first")
	sameID.Hash = NewToken("third").Hash
	err = s.CreateToken(ctx, sameID)
	wantCode(t, "CreateToken with an existing id", err, tether.ECONFLICT)
	wantTokens(t, s, 1)
	got, err := s.TokenByHash(ctx, first.Hash)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if d := diff(first, got); d != "" {
		t.Errorf("token changed by a failed create (-want +got):\n%s", d)
	}
}

// testTokenListDelete lists tokens in id order, whatever the order they
// were created in, and deletes them by id.
func testTokenListDelete(t *testing.T, s tether.Store) {
	ctx := t.Context()
	if got, err := s.ListTokens(ctx); err != nil || len(got) != 0 {
		t.Errorf("ListTokens of a fresh store = %v, %v; want none", got, err)
	}
	expires := time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)
	b := NewToken("tok-b")
	b.ExpiresAt = &expires
	a, c := NewToken("tok-a"), NewToken("tok-c")
	for _, tok := range []*tether.Token{c, a, b} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken(%s): %v", tok.ID, err)
		}
	}
	wantTokenList(t, s, a, b, c)
	if err := s.DeleteToken(ctx, "tok-b"); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	wantTokenList(t, s, a, c)
	_, err := s.TokenByHash(ctx, b.Hash)
	wantCode(t, "TokenByHash of a deleted token", err, tether.ENOTFOUND)
	err = s.DeleteToken(ctx, "tok-b")
	wantCode(t, "second DeleteToken", err, tether.ENOTFOUND)
	if msg := tether.ErrorMessage(err); !strings.Contains(msg, "tok-b") {
		t.Errorf("message %q does not name the token", msg)
	}
	// The id and hash of a deleted token are free again.
	if err := s.CreateToken(ctx, b); err != nil {
		t.Errorf("CreateToken of a deleted token's id and hash: %v", err)
	}
}

// wantTokenList fails t unless ListTokens returns want, in order.
func wantTokenList(t *testing.T, s tether.Store, want ...*tether.Token) {
	t.Helper()
	got, err := s.ListTokens(t.Context())
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	if d := diff(want, got); d != "" {
		t.Errorf("ListTokens (-want +got):\n%s", d)
	}
}
