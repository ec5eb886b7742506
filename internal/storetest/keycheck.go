package storetest

import (
	"testing"

	"github.com/tether-ml/tether"
)

func testKeyChecks(t *testing.T, s tether.Store) {
	ctx := t.Context()
	wantChecks := func(want map[string][]byte) {
		t.Helper()
		got, err := s.KeyChecks(ctx)
		if err != nil {
			t.Fatalf("KeyChecks: %v", err)
		}
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if d := diff(want, got); d != "" {
			t.Errorf("KeyChecks (-want +got):\n%s", d)
		}
	}
	wantChecks(nil)
	put := func(keyID string, sealed []byte) {
		t.Helper()
		if err := s.PutKeyCheck(ctx, keyID, sealed); err != nil {
			t.Fatalf("PutKeyCheck(%s): %v", keyID, err)
		}
	}
	put("key-1", []byte{0x00, 0x01, 0xff})
	put("key-2", []byte("check-2"))
	wantChecks(map[string][]byte{"key-1": {0x00, 0x01, 0xff}, "key-2": []byte("check-2")})
	put("key-1", []byte("check-1 again"))
	wantChecks(map[string][]byte{"key-1": []byte("check-1 again"), "key-2": []byte("check-2")})
}
