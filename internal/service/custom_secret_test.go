package service_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

// custom returns a custom connection with one secret and one plain
// parameter.
func custom(id, secret, plain string) *tether.Connection {
	return &tether.Connection{ID: id, Spec: tether.ConnectionSpec{Type: "custom", URI: "https://features.example.com",
		Parameters: tether.Params{"API_TOKEN": secret, "PROJECT": plain}, SecretKeys: []string{"API_TOKEN"}}}
}

// randomText returns a random value no fixture holds by chance.
func randomText(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// scanStore checks that no file of the store (all but the key file)
// holds secret, and that some file holds plain: the scan reads the data.
func scanStore(t *testing.T, dir, secret, plain string) {
	t.Helper()
	seen := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) == "key" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("store file %s holds the secret parameter in the clear", path)
		}
		seen = seen || bytes.Contains(data, []byte(plain))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Fatalf("no store file holds the plain parameter: the scan read nothing")
	}
}

// TestCustomSecretKeys checks that a parameter that spec.secretKeys names
// is sealed (never in the store in the clear), masked on read, revealed
// with reveal, and kept when an update masks or omits it, still secret.
func TestCustomSecretKeys(t *testing.T) {
	f := newFixture(t)
	secret, plain := randomText(t), randomText(t)
	if _, err := f.conns.Create(f.ctx, tether.DefaultNamespace, custom("feat", secret, plain)); err != nil {
		t.Fatal(err)
	}
	scanStore(t, f.dir, secret, plain)
	check := func(when string) {
		t.Helper()
		got, err := f.conns.Get(f.ctx, tether.DefaultNamespace, "feat")
		if err != nil {
			t.Fatal(err)
		}
		want := tether.Params{"API_TOKEN": tether.Mask, "PROJECT": plain}
		if diff := cmp.Diff(want, got.Spec.Parameters); diff != "" || !cmp.Equal(got.Spec.SecretKeys, []string{"API_TOKEN"}) {
			t.Errorf("%s: read parameters (-want +got):\n%s secretKeys %v", when, diff, got.Spec.SecretKeys)
		}
		rev, err := f.conns.Reveal(f.ctx, tether.DefaultNamespace, "feat")
		if err != nil {
			t.Fatal(err)
		}
		if rev.Spec.Parameters["API_TOKEN"] != secret {
			t.Errorf("%s: reveal gives %q, want the secret", when, rev.Spec.Parameters["API_TOKEN"])
		}
	}
	check("after create")

	masked := custom("feat", tether.Mask, plain)
	if _, err := f.conns.Update(f.ctx, tether.DefaultNamespace, masked, tether.UpdateOptions{}); err != nil {
		t.Fatalf("update with the secret masked: %v", err)
	}
	check("after an update that masks it")

	omitted := custom("feat", "", plain)
	delete(omitted.Spec.Parameters, "API_TOKEN")
	omitted.Spec.SecretKeys = nil
	if _, err := f.conns.Update(f.ctx, tether.DefaultNamespace, omitted, tether.UpdateOptions{}); err != nil {
		t.Fatalf("update with the secret and secretKeys omitted: %v", err)
	}
	check("after an update that omits it")
	scanStore(t, f.dir, secret, plain)
}

// TestCustomSecretKeysRefused checks that a masked secret cannot create a
// connection and that secretKeys naming no parameter is refused.
func TestCustomSecretKeysRefused(t *testing.T) {
	f := newFixture(t)
	_, err := f.conns.Create(f.ctx, tether.DefaultNamespace, custom("feat", tether.Mask, "p"))
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("create with a masked secret: %v, want EINVALID", err)
	}
	c := custom("feat", "s", "p")
	c.Spec.SecretKeys = append(c.Spec.SecretKeys, "MISSING")
	if _, err := f.conns.Create(f.ctx, tether.DefaultNamespace, c); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("create with secretKeys naming no parameter: %v, want EINVALID", err)
	}
}
