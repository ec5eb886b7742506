package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// selfSignedCert writes a self-signed certificate for 127.0.0.1 and its key
// into dir, and returns their paths and the parsed certificate.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tether e2e"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	return certFile, keyFile, cert
}

// TestTLS serves HTTPS with --tls-cert/--tls-key: a client trusting the
// certificate gets through (raw HTTP and the CLI), a plain-HTTP or
// untrusting client does not.
func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, cert := selfSignedCert(t, dir)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	trusting := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	s := startServer(t, serverOptions{Dir: dir, HTTP: trusting, ExpectedScheme: "https",
		Args: []string{"--tls-cert", certFile, "--tls-key", keyFile}})

	resp, err := trusting.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS GET /healthz: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("HTTPS GET /healthz: %d %q (TLS %v)", resp.StatusCode, body, resp.TLS != nil)
	}

	plainURL := "http://" + strings.TrimPrefix(s.URL, "https://") + "/healthz"
	plain := &http.Client{Timeout: 10 * time.Second}
	if resp, err := plain.Get(plainURL); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the HTTPS server: %d, want a failure", resp.StatusCode)
		}
	}
	if resp, err := plain.Get(s.URL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("HTTPS without trusting the certificate succeeded: %d", resp.StatusCode)
	}

	// The CLI trusts the certificate through SSL_CERT_FILE.
	c := newCLI(t, s).with("SSL_CERT_FILE", certFile)
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Errorf("CLI over HTTPS: %q", out)
	}
	wantError(t, c.with("SSL_CERT_FILE", "").run("", "conn", "get"), 7, "cannot reach the tether server at "+s.URL)
	s.stop()
}
