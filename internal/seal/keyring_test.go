package seal_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/seal"
)

// newKeyring creates a key file in a fresh temporary directory.
func newKeyring(tb testing.TB) *seal.Keyring {
	tb.Helper()
	kr, err := seal.Create(filepath.Join(tb.TempDir(), "keys.json"))
	if err != nil {
		tb.Fatalf("Create: %v", err)
	}
	return kr
}

// wantCode fails unless err is a *tether.Error with the given code.
func wantCode(t *testing.T, err error, code string) *tether.Error {
	t.Helper()
	var e *tether.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *tether.Error with code %q", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("error code = %q (%v), want %q", e.Code, err, code)
	}
	return e
}

// keyMaterial returns every form in which the keys of a key file could leak:
// the base64 strings, the raw bytes and their hex.
func keyMaterial(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Keys []struct{ Key string } }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range f.Keys {
		raw, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.Key, string(raw), hex.EncodeToString(raw))
	}
	return out
}

// assertNoLeak fails if s contains any of secrets.
func assertNoLeak(t *testing.T, what, s string, secrets []string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Fatalf("%s leaks key material: %q", what, s)
		}
	}
}

// editKeyFile rewrites the key file through edit (mode 0600 kept).
func editKeyFile(t *testing.T, path string, edit func(f map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	edit(f)
	if data, err = json.Marshal(f); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// dataSection is the data nonce, ciphertext and tag: the tail of a blob.
func dataSection(blob []byte, plaintextLen int) []byte {
	return blob[len(blob)-(12+plaintextLen+16):]
}

// sealThenRotate seals plaintext with a new keyring's first key, rotates,
// and returns the ring, the blob and the old and new primary ids.
func sealThenRotate(t *testing.T, plaintext, aad []byte) (kr *seal.Keyring, blob []byte, old, newID string) {
	t.Helper()
	kr = newKeyring(t)
	old = kr.PrimaryKeyID()
	blob, keyID, err := kr.Seal(plaintext, aad)
	if err != nil || keyID != old {
		t.Fatalf("Seal = %q, %v; want key %q", keyID, err, old)
	}
	if newID, err = kr.Rotate(context.Background()); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	return kr, blob, old, newID
}

func TestRotateKeepsOldKeys(t *testing.T) {
	plaintext, aad := []byte(`{"keySecret":"s3cr3t"}`), []byte("training-data")
	kr, blob, old, newID := sealThenRotate(t, plaintext, aad)
	if newID == old || kr.PrimaryKeyID() != newID {
		t.Fatalf("after Rotate primary = %q, returned %q, old %q", kr.PrimaryKeyID(), newID, old)
	}
	if got := kr.KeyIDs(); len(got) != 2 || got[0] != old || got[1] != newID {
		t.Fatalf("KeyIDs = %v, want [%s %s]", got, old, newID)
	}
	if got, err := kr.Open(blob, aad); err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("Open(old blob) = %q, %v", got, err)
	}
	if _, keyID, _ := kr.Seal(plaintext, aad); keyID != newID {
		t.Fatalf("Seal after Rotate used key %q, want %q", keyID, newID)
	}
}

func TestRewrapMovesBlobToPrimary(t *testing.T) {
	plaintext, aad := []byte(`{"keySecret":"s3cr3t"}`), []byte("training-data")
	kr, blob, _, newID := sealThenRotate(t, plaintext, aad)
	resealed, keyID, err := kr.Rewrap(blob, aad)
	if err != nil || keyID != newID || keyID != kr.PrimaryKeyID() {
		t.Fatalf("Rewrap = %q, %v; want key %q", keyID, err, newID)
	}
	if !bytes.Contains(resealed[:2+len(newID)], []byte(newID)) {
		t.Fatalf("rewrapped blob does not name key %q in its header", newID)
	}
	if !bytes.Equal(dataSection(resealed, len(plaintext)), dataSection(blob, len(plaintext))) {
		t.Fatal("Rewrap changed the data ciphertext")
	}
	if got, err := kr.Open(resealed, aad); err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("Open(rewrapped) = %q, %v", got, err)
	}
	again, keyID, err := kr.Rewrap(resealed, aad)
	if err != nil || keyID != newID || !bytes.Equal(again, resealed) {
		t.Fatalf("Rewrap of a primary-wrapped blob: changed %v, key %q, %v; want it unchanged",
			!bytes.Equal(again, resealed), keyID, err)
	}
	for _, b := range [][]byte{blob, resealed} {
		_, _, err := kr.Rewrap(b, []byte("another-record"))
		wantCode(t, err, tether.EINVALID)
		_, err = kr.Open(b, []byte("another-record"))
		wantCode(t, err, tether.EINVALID)
	}
}

func TestOpenFailsForKeyRemovedFromFile(t *testing.T) {
	kr := newKeyring(t)
	old := kr.PrimaryKeyID()
	blob, _, err := kr.Seal([]byte("secret"), []byte("rec"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	editKeyFile(t, kr.Path(), func(f map[string]any) {
		f["keys"] = f["keys"].([]any)[1:]
	})
	secrets := keyMaterial(t, kr.Path())
	fresh, err := seal.Load(kr.Path())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := kr.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	for name, ring := range map[string]*seal.Keyring{"loaded": fresh, "reloaded": kr} {
		_, err := ring.Open(blob, []byte("rec"))
		e := wantCode(t, err, tether.EINVALID)
		want := fmt.Sprintf("sealed value was made with key %q, which is not in the keyring", old)
		if !strings.Contains(e.Message, want) {
			t.Errorf("%s: message = %q, want it to contain %q", name, e.Message, want)
		}
		assertNoLeak(t, name+" error", err.Error(), secrets)
	}
}

func TestSecondKeyringReloadsOnMiss(t *testing.T) {
	writer := newKeyring(t)
	reader, err := seal.Load(writer.Path())
	if err != nil {
		t.Fatal(err)
	}
	newID, err := writer.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	blob, _, err := writer.Seal([]byte("after rotation"), []byte("rec"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := reader.Open(blob, []byte("rec"))
	if err != nil || string(got) != "after rotation" {
		t.Fatalf("reader.Open = %q, %v; want the reload on miss to find %q", got, err, newID)
	}
	if reader.PrimaryKeyID() != newID {
		t.Errorf("reader primary = %q after reload, want %q", reader.PrimaryKeyID(), newID)
	}
}

func TestConcurrentRotationsLoseNoKey(t *testing.T) {
	first := newKeyring(t)
	rings := []*seal.Keyring{first}
	for range 3 {
		kr, err := seal.Load(first.Path())
		if err != nil {
			t.Fatal(err)
		}
		rings = append(rings, kr)
	}
	var wg sync.WaitGroup
	for _, kr := range rings {
		wg.Go(func() {
			for range 3 {
				if _, err := kr.Rotate(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	final, err := seal.Load(first.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(final.KeyIDs()), 1+3*len(rings); got != want {
		t.Fatalf("key file has %d keys after concurrent rotations, want %d", got, want)
	}
}

func TestConcurrentSealOpenRotate(t *testing.T) {
	kr := newKeyring(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				aad := fmt.Appendf(nil, "rec-%d-%d", g, i)
				blob, _, err := kr.Seal(aad, aad)
				if err != nil {
					t.Error(err)
					return
				}
				if _, _, err := kr.Rewrap(blob, aad); err != nil {
					t.Error(err)
				}
				if got, err := kr.Open(blob, aad); err != nil || !bytes.Equal(got, aad) {
					t.Errorf("Open = %q, %v", got, err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := kr.Rotate(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}

func TestKeyringPrintsNoKeyMaterial(t *testing.T) {
	kr := newKeyring(t)
	if _, err := kr.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	secrets := keyMaterial(t, kr.Path())
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("ring", "keyring", kr)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", kr), "%+v": fmt.Sprintf("%+v", kr), "%#v": fmt.Sprintf("%#v", kr),
		"%s": fmt.Sprintf("%s", kr), "%x": fmt.Sprintf("%x", kr), "%q": fmt.Sprintf("%q", kr),
		"String": kr.String(), "slog": logs.String(),
	}
	for what, out := range outputs {
		assertNoLeak(t, what, out, secrets)
		for _, id := range kr.KeyIDs() {
			if !strings.Contains(out, id) {
				t.Errorf("%s output %q does not name key %q", what, out, id)
			}
		}
	}
}

func TestFingerprintIsKeyedAndStableAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	a, err := seal.Create(filepath.Join(dir, "a.key"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := seal.Create(filepath.Join(dir, "b.key"))
	if err != nil {
		t.Fatal(err)
	}
	fa := a.Fingerprint([]byte("tether_some-token"))
	if fa != a.Fingerprint([]byte("tether_some-token")) || len(fa) != 32 {
		t.Errorf("fingerprint %q is not stable", fa)
	}
	if fa == b.Fingerprint([]byte("tether_some-token")) || fa == a.Fingerprint([]byte("tether_other")) {
		t.Errorf("fingerprints do not depend on the key and the data")
	}
	if _, err := a.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint([]byte("tether_some-token")) != fa {
		t.Errorf("fingerprint changed across a rotation")
	}
}
