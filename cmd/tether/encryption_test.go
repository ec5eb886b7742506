package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// plantedSecrets are the random secret values of one version of the
// connections of the encryption test, before base64 (the raw secrets).
type plantedSecrets struct {
	keyID, keySecret, sessionToken, password string
}

// newPlantedSecrets returns four fresh random secrets (48 hex characters
// each, so no accidental match is possible).
func newPlantedSecrets(t *testing.T) plantedSecrets {
	return plantedSecrets{randomHex(t, 24), randomHex(t, 24), randomHex(t, 24), randomHex(t, 24)}
}

// all returns the secrets in the order keyID, keySecret, sessionToken,
// password.
func (p plantedSecrets) all() []string {
	return []string{p.keyID, p.keySecret, p.sessionToken, p.password}
}

// s3Manifest is an S3-compatible (MinIO) connection carrying p's secrets and
// a non-secret marker in its description.
func (p plantedSecrets) s3Manifest(marker string) string {
	return fmt.Sprintf(`kind: Connection
id: vault-s3
spec:
  type: s3
  uri: s3://vault-bucket/data
  region: us-east-1
  keyID: %s
  keySecret: %s
  description: %s
  parameters:
    endpoint: http://127.0.0.1:9000
    forcePathStyle: "true"
    sessionToken: %s
`, b64(p.keyID), b64(p.keySecret), marker, b64(p.sessionToken))
}

// dockerManifest is a docker connection with p's password.
func (p plantedSecrets) dockerManifest() string {
	return fmt.Sprintf(`kind: Connection
id: vault-docker
spec:
  type: docker
  uri: registry.example.com/team
  username: robot
  password: %s
`, b64(p.password))
}

// encodings returns the forms in which secret could leak: itself, its hex
// (both cases), and its standard and URL-safe base64 — padded, unpadded,
// and at each of the three byte alignments it can have inside a longer
// base64 text. The same forms of its base64 wire form are included.
func encodings(secret string) []string {
	var out []string
	for _, s := range []string{secret, b64(secret)} {
		b := []byte(s)
		out = append(out, s, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
			base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
			base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
		out = append(out, base64Cores(base64.RawStdEncoding, b)...)
		out = append(out, base64Cores(base64.RawURLEncoding, b)...)
	}
	return out
}

// base64Cores returns, for each of the three alignments at which b can sit
// inside a longer base64-encoded text, the characters that encode b alone
// (the quanta that hold no byte before or after b).
func base64Cores(enc *base64.Encoding, b []byte) []string {
	var out []string
	for k := 0; k < 3; k++ {
		padded := append(make([]byte, k), b...)
		s := enc.EncodeToString(padded)
		start := 0
		if k > 0 {
			start = 4
		}
		out = append(out, s[start:len(padded)/3*4])
	}
	return out
}

// leak names the first form of any secret found in data, or "".
func leak(data []byte, secrets []string) string {
	for _, sec := range secrets {
		for i, form := range encodings(sec) {
			if bytes.Contains(data, []byte(form)) {
				return fmt.Sprintf("secret %s…, form #%d %q", sec[:8], i, form)
			}
		}
	}
	return ""
}

// scanDataDir checks every file under dir except the key file and the
// admin token for every form of the secrets, and returns the names of the
// files it read and the ones that hold marker.
func scanDataDir(t *testing.T, dir string, secrets []string, marker string) (scanned, marked []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "tether.key" || rel == "admin.token" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned = append(scanned, rel)
		if where := leak(data, secrets); where != "" {
			t.Errorf("data file %s holds a %s", rel, where)
		}
		if bytes.Contains(data, []byte(marker)) {
			marked = append(marked, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	return scanned, marked
}

// TestSecretsEncryptedAtRest plants random secrets, creates, updates,
// reveals and re-keys them, and then looks for them, in every encoding, in
// every file of the data directory (running and stopped), in the logs and
// in the CLI's masked outputs.
func TestSecretsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	v1, v2 := newPlantedSecrets(t), newPlantedSecrets(t)
	secrets := append(v1.all(), v2.all()...)
	marker := "marker-" + randomHex(t, 12)
	var outputs strings.Builder // stdout and stderr of the commands that do not decrypt
	record := func(stdin string, args ...string) {
		r := c.run(stdin, args...)
		wantExit(t, r, 0)
		outputs.WriteString(r.Stdout + r.Stderr)
	}

	record("", "conn", "create", "-f", writeFile(t, c.dir, "v1.yaml", v1.s3Manifest(marker)+"---\n"+v1.dockerManifest()))
	record("", "conn", "edit", "-f", writeFile(t, c.dir, "s3-v2.yaml", v2.s3Manifest(marker)))
	record(v2.password+"\n", "conn", "edit", "-f", writeFile(t, c.dir, "docker.yaml", v1.dockerManifest()),
		"--set-secret", "password=-")
	for _, args := range [][]string{{"conn", "get"}, {"conn", "get", "-o", "json"}, {"conn", "get", "-o", "table"}} {
		record("", args...)
	}
	checkRevealed := func() {
		t.Helper()
		s3, docker := c.getOne("vault-s3", true), c.getOne("vault-docker", true)
		params, _ := s3.Spec["parameters"].(map[string]any)
		got := []any{s3.Spec["keyID"], s3.Spec["keySecret"], params["sessionToken"], docker.Spec["password"]}
		for i, want := range v2.all() {
			if got[i] != b64(want) {
				t.Errorf("decrypted secret %d = %v, want %s", i, got[i], b64(want))
			}
		}
		if params["endpoint"] != "http://127.0.0.1:9000" || params["forcePathStyle"] != "true" || s3.Status.Version != 2 {
			t.Errorf("vault-s3 parameters %v, version %d", params, s3.Status.Version)
		}
	}
	checkRevealed()
	scanned, marked := scanDataDir(t, s.DataDir, secrets, marker)
	t.Logf("running server, before rotation: scanned %v, marker in %v", scanned, marked)
	record("", "keys", "rotate")
	checkRevealed()

	scanned, marked = scanDataDir(t, s.DataDir, secrets, marker)
	t.Logf("running server: scanned %v, marker in %v", scanned, marked)
	if !slices.Contains(scanned, "tether.db") || !slices.Contains(scanned, "tether.db-wal") || len(marked) == 0 {
		t.Errorf("while running, scanned %v (want tether.db and tether.db-wal) and found the marker in %v (want some)", scanned, marked)
	}
	s.stop()
	scanned, marked = scanDataDir(t, s.DataDir, secrets, marker)
	t.Logf("stopped server: scanned %v, marker in %v", scanned, marked)
	if !slices.Contains(scanned, "tether.db") || len(marked) == 0 {
		t.Errorf("after stop, scanned %v and found the marker in %v", scanned, marked)
	}

	if where := leak([]byte(s.Logs.String()), secrets); where != "" {
		t.Errorf("server log holds a %s", where)
	}
	if where := leak([]byte(outputs.String()), secrets); where != "" {
		t.Errorf("masked CLI output holds a %s", where)
	}
	token := s.token()
	if strings.Contains(s.Logs.String(), token) || strings.Contains(outputs.String(), token) {
		t.Errorf("the admin token appears in the server log or CLI output")
	}
	checkOwnerOnly(t, s.DataDir)
}

// checkOwnerOnly asserts that dir is 0700 and every file in it 0600: the
// key file and the token file above all, but the database too.
func checkOwnerOnly(t *testing.T, dir string) {
	t.Helper()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode: %v (err %v), want 0700", fi.Mode().Perm(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		names[e.Name()] = true
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	if !names["tether.key"] || !names["admin.token"] || !names["tether.db"] {
		t.Errorf("data directory holds %v; want tether.key, admin.token and tether.db among them", names)
	}
}
