package seal_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/seal"
)

// keyIDOf reads the key id out of a sealed blob (format version 1: byte 1
// is the id's length, the id follows).
func keyIDOf(t *testing.T, blob []byte) string {
	t.Helper()
	if len(blob) < 2 || len(blob) < 2+int(blob[1]) {
		t.Fatalf("blob of %d bytes has no key id", len(blob))
	}
	return string(blob[2 : 2+int(blob[1])])
}

// TestFollowSealsWithTheOtherProcessPrimary: a keyring sharing the key file
// with a process that rotated it seals with the new primary as soon as it is
// told, and never with a retired key once told, even while its file lags.
func TestFollowSealsWithTheOtherProcessPrimary(t *testing.T) {
	cases := []struct {
		name string
		// lag copies the file as it was before the rotation over the
		// follower's file, as a key file that is not shared would be.
		lag      bool
		wantCode string
	}{
		{name: "shared key file"},
		{name: "key file without the new key", lag: true, wantCode: tether.EUNAVAILABLE},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rotator := newKeyring(t)
			followerPath := rotator.Path()
			if tc.lag {
				followerPath = copyFile(t, rotator.Path())
			}
			follower, err := seal.Load(followerPath)
			if err != nil {
				t.Fatal(err)
			}
			old := follower.PrimaryKeyID()
			newID, err := rotator.Rotate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			err = follower.Follow(newID)
			blob, keyID, sealErr := follower.Seal([]byte("secret"), []byte("rec"))
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				wantCode(t, sealErr, tc.wantCode)
				if _, _, err := follower.Rewrap(mustSeal(t, rotator), []byte("rec")); err == nil {
					t.Errorf("Rewrap with key file lagging behind %q succeeded", newID)
				}
				return
			}
			if err != nil || sealErr != nil {
				t.Fatalf("Follow(%q) = %v, Seal = %v", newID, err, sealErr)
			}
			if keyID != newID || keyIDOf(t, blob) != newID {
				t.Errorf("after Follow(%q) Seal used key %q (blob %q), not the new primary; old %q",
					newID, keyID, keyIDOf(t, blob), old)
			}
		})
	}
}

// TestFollowOlderKeyKeepsNewerPrimary: a late notice of an earlier rotation
// does not turn the ring back, and an empty id only re-reads the file.
func TestFollowOlderKeyKeepsNewerPrimary(t *testing.T) {
	kr := newKeyring(t)
	first, err := kr.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second, err := kr.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{first, "", second} {
		if err := kr.Follow(id); err != nil {
			t.Fatalf("Follow(%q): %v", id, err)
		}
		if _, keyID, err := kr.Seal([]byte("x"), []byte("rec")); err != nil || keyID != second {
			t.Errorf("after Follow(%q): Seal key %q, %v; want %q", id, keyID, err, second)
		}
	}
}

func mustSeal(t *testing.T, kr *seal.Keyring) []byte {
	t.Helper()
	blob, _, err := kr.Seal([]byte("secret"), []byte("rec"))
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

// copyFile copies path into a new temporary directory, keeping its mode.
func copyFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}
