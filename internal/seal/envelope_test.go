package seal_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/seal"
)

func TestSealOpenRoundTrip(t *testing.T) {
	kr := newKeyring(t)
	tests := []struct {
		name           string
		plaintext, aad []byte
	}{
		{"empty plaintext", []byte{}, []byte("rec")},
		{"nil plaintext and aad", nil, nil},
		{"short", []byte("s3cr3t"), []byte("training-data")},
		{"binary", []byte{0, 1, 2, 0xff, 0}, []byte{0, 0xff}},
		{"large", bytes.Repeat([]byte("x"), 1<<20), []byte("big")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blob, keyID, err := kr.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if keyID != kr.PrimaryKeyID() {
				t.Errorf("Seal key id = %q, want primary %q", keyID, kr.PrimaryKeyID())
			}
			if len(tt.plaintext) >= 4 && bytes.Contains(blob, tt.plaintext) {
				t.Error("blob contains the plaintext")
			}
			got, err := kr.Open(blob, tt.aad)
			if err != nil || !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q (%d bytes), %v; want the plaintext", trim(got), len(got), err)
			}
			again, _, _ := kr.Seal(tt.plaintext, tt.aad)
			if bytes.Equal(again, blob) {
				t.Error("two seals of the same plaintext are identical; want fresh keys and nonces")
			}
		})
	}
}

func trim(b []byte) []byte { return b[:min(len(b), 32)] }

func TestOpenWithAnotherAADFails(t *testing.T) {
	kr := newKeyring(t)
	blob, _, err := kr.Seal([]byte("secret"), []byte("rec-a"))
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range []string{"rec-b", "", "rec-a ", "rec-", "REC-A", "rec-a\x00"} {
		got, err := kr.Open(blob, []byte(aad))
		if got != nil {
			t.Errorf("Open(aad %q) returned plaintext %q", aad, got)
		}
		wantCode(t, err, tether.EINVALID)
	}
}

func TestOpenFailsOnAnyTamper(t *testing.T) {
	kr := newKeyring(t)
	if _, err := kr.Rotate(context.Background()); err != nil {
		t.Fatal(err) // two keys: edits of the key id can name a real key
	}
	aad := []byte("rec")
	blob, _, err := kr.Seal([]byte("a secret value"), aad)
	if err != nil {
		t.Fatal(err)
	}
	secrets := keyMaterial(t, kr.Path())
	check := func(what string, tampered []byte) {
		t.Helper()
		got, err := kr.Open(tampered, aad)
		if got != nil {
			t.Fatalf("%s: Open returned %q", what, got)
		}
		wantCode(t, err, tether.EINVALID)
		assertNoLeak(t, what, err.Error(), secrets)
		if _, _, err := kr.Rewrap(tampered, aad); err == nil {
			t.Fatalf("%s: Rewrap succeeded", what)
		}
	}
	for i := range blob {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(blob)
			tampered[i] ^= x
			check(fmt.Sprintf("byte %d ^ %#x", i, x), tampered)
		}
	}
	for n := range len(blob) {
		check(fmt.Sprintf("truncated to %d bytes", n), blob[:n])
	}
	check("appended byte", append(bytes.Clone(blob), 0))
}

func TestOpenFailsWhenKeyIDOrSectionsAreSwapped(t *testing.T) {
	kr := newKeyring(t)
	oldID := kr.PrimaryKeyID()
	aad := []byte("rec")
	oldBlob, _, _ := kr.Seal([]byte("sealed with the old key"), aad)
	newID, err := kr.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	newBlob, _, _ := kr.Seal([]byte("sealed with the new key"), aad)
	// Key ids have the same length, so the header edit keeps the layout.
	edited := bytes.Replace(bytes.Clone(oldBlob), []byte(oldID), []byte(newID), 1)
	// Data section of one blob behind the header and wrapped DEK of another.
	n := 2 + len(newID) + 60
	spliced := append(bytes.Clone(newBlob[:n]), oldBlob[n:]...)
	for name, blob := range map[string][]byte{"key id edited": edited, "sections spliced": spliced} {
		got, err := kr.Open(blob, aad)
		if got != nil {
			t.Errorf("%s: Open returned %q", name, got)
		}
		wantCode(t, err, tether.EINVALID)
	}
}

func TestOpenGarbageNeverPanics(t *testing.T) {
	kr := newKeyring(t)
	id := kr.PrimaryKeyID()
	rng := rand.New(rand.NewPCG(1, 2))
	header := append([]byte{1, byte(len(id))}, id...)
	for i := range 5000 {
		blob := make([]byte, rng.IntN(200))
		for j := range blob {
			blob[j] = byte(rng.Uint32())
		}
		if i%2 == 0 { // a valid header, so the garbage reaches the ciphers
			blob = append(bytes.Clone(header), blob...)
		}
		if got, err := kr.Open(blob, []byte("rec")); err == nil || got != nil {
			t.Fatalf("Open(garbage %x) = %q, %v; want an error", blob, got, err)
		}
	}
	for _, blob := range [][]byte{nil, {}, {1}, {1, 0}, {1, 255}, {2, 10}, {0}} {
		_, err := kr.Open(blob, nil)
		wantCode(t, err, tether.EINVALID)
	}
}

// fuzzKeyFile is a fixed keyring for FuzzOpen: every fuzzing worker process
// must open what the others sealed, so the keys cannot be random. These keys
// protect nothing.
const fuzzKeyFile = `{"version":1,"primary":"k-00000001","keys":[
 {"id":"k-00000001","created":"2025-01-01T00:00:00Z","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
 {"id":"k-00000002","created":"2025-01-02T00:00:00Z","key":"HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4="}]}`

// fuzzKeyrings writes fuzzKeyFile twice, once with each key as the primary,
// and loads both: sealer seals with the older key, opener knows both and
// seals (rewraps) with the newer one.
func fuzzKeyrings(f *testing.F) (sealer, opener *seal.Keyring) {
	dir := f.TempDir()
	load := func(name, primary string) *seal.Keyring {
		path := filepath.Join(dir, name)
		content := strings.Replace(fuzzKeyFile, `"primary":"k-00000001"`, `"primary":"`+primary+`"`, 1)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			f.Fatal(err)
		}
		kr, err := seal.Load(path)
		if err != nil {
			f.Fatal(err)
		}
		return kr
	}
	return load("old.json", "k-00000001"), load("new.json", "k-00000002")
}

// FuzzOpen opens arbitrary bytes: it must never panic, and succeed only for
// blobs that Seal made, with their own aad, giving their own plaintext.
func FuzzOpen(f *testing.F) {
	sealer, opener := fuzzKeyrings(f)
	// sealed maps each aad the seeds use to its one plaintext.
	sealed := map[string]string{"rec-1": "first secret", "rec-2": "second secret", "": ""}
	for aad, pt := range sealed {
		blob, _, err := sealer.Seal([]byte(pt), []byte(aad))
		if err != nil {
			f.Fatal(err)
		}
		rewrapped, _, err := opener.Rewrap(blob, []byte(aad))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(blob, []byte(aad))
		f.Add(rewrapped, []byte(aad))
	}
	f.Add([]byte{}, []byte{})
	f.Add([]byte("\x01\x0ak-00000001"), []byte("rec-1"))
	f.Fuzz(func(t *testing.T, blob, aad []byte) {
		got, err := opener.Open(blob, aad)
		if err != nil {
			if got != nil || tether.ErrorCode(err) != tether.EINVALID {
				t.Fatalf("Open failed with plaintext %q, error %v; want nil and EINVALID", got, err)
			}
			return
		}
		if want, ok := sealed[string(aad)]; !ok || string(got) != want {
			t.Fatalf("Open(%x, %q) = %q: it opened a blob Seal did not make for this aad", blob, aad, got)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	kr := newKeyring(b)
	for _, size := range []int{64, 1 << 10, 64 << 10} {
		plaintext := bytes.Repeat([]byte("s"), size)
		b.Run("bytes="+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, _, err := kr.Seal(plaintext, []byte("rec")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	kr := newKeyring(b)
	for _, size := range []int{64, 1 << 10, 64 << 10} {
		blob, _, err := kr.Seal(bytes.Repeat([]byte("s"), size), []byte("rec"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("bytes="+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := kr.Open(blob, []byte("rec")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
