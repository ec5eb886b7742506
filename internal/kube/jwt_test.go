package kube_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// signingKey returns the test API server's service-account signing key:
// $TETHER_TEST_KUBE_SA_KEY, or pki/sa.key beside the kubeconfig, where
// scripts/testenv/kube.sh puts it. With it a test makes tokens the server
// would have signed, but which no API lets one ask for (an expired one).
// Without one (a cluster not started by kube.sh), it returns nil.
func signingKey(t *testing.T, kubeconfig string) *rsa.PrivateKey {
	t.Helper()
	path := os.Getenv("TETHER_TEST_KUBE_SA_KEY")
	if path == "" {
		path = filepath.Join(filepath.Dir(kubeconfig), "pki", "sa.key")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Logf("no service-account signing key (set TETHER_TEST_KUBE_SA_KEY): %v", err)
		return nil
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatalf("%s: not PEM", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if err != nil || !ok {
		t.Fatalf("%s: not an RSA private key (%T): %v", path, key, err)
	}
	return rsaKey
}

// editClaims returns token with its payload changed by edit and the
// header and signature kept, so the signature no longer matches; with a
// key, it signs the result again (RS256), as the API server would have.
func editClaims(t *testing.T, token string, key *rsa.PrivateKey, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode the payload: %v", err)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("decode the payload: %v", err)
	}
	edit(claims)
	if raw, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	if key != nil {
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		parts[2] = base64.RawURLEncoding.EncodeToString(sig)
	}
	return strings.Join(parts, ".")
}

// flipSignature returns token with one character in the middle of its
// signature changed (the middle, where every bit is significant).
func flipSignature(token string) string {
	i := strings.LastIndex(token, ".") + (len(token)-strings.LastIndex(token, "."))/2
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}
