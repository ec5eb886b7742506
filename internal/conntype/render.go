package conntype

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// The helpers the types' renderers share.

// newRendering returns an empty rendering.
func newRendering() *tether.Rendering {
	return &tether.Rendering{Env: map[string]string{}, Files: map[string][]byte{}}
}

// secretBytes returns the bytes of a base64 secret of a valid connection.
func secretBytes(s tether.Secret) []byte {
	b, _ := decoded(s.Reveal())
	return b
}

// paramBytes returns a base64 parameter's bytes, or nil if unset.
func paramBytes(c *tether.Connection, name string) []byte {
	b, _ := decoded(c.Spec.Parameters[name])
	return b
}

// setIf sets env[key] to v when v is not empty.
func setIf(env map[string]string, key, v string) {
	if v != "" {
		env[key] = v
	}
}

// caBundleParam is the caBundle parameter of the types whose servers may
// use a private CA (S3-compatible stores, registries): the CA certificates,
// PEM, base64-encoded as in Kubernetes' caBundle fields. It is not secret,
// so checkCABundle refuses anything but certificates.
func caBundleParam() tether.Parameter {
	return tether.Parameter{Name: "caBundle", Base64: true,
		Description: "CA certificates (PEM) that the server's TLS certificate chains to, when it is not " +
			"publicly trusted (a private CA, a self-signed certificate), base64-encoded: base64 -w0 ca.crt"}
}

// checkCABundle reports a caBundle parameter that is set and base64 but
// is not PEM certificates only. Values that are empty or not base64 are
// left to the generic checks.
func checkCABundle(s *tether.ConnectionSpec, p *tether.Problems) {
	if b, ok := decoded(s.Parameters["caBundle"]); ok {
		if msg := caBundleProblem(b); msg != "" {
			p.Add("spec.parameters.caBundle", msg)
		}
	}
}

// caBundleProblem returns why b is not one or more PEM CERTIFICATE blocks
// that crypto/x509 parses, with nothing else but blank space around them,
// or "". Its messages quote nothing of b.
func caBundleProblem(b []byte) string {
	const form = "must be PEM certificates (-----BEGIN CERTIFICATE-----), base64-encoded: base64 -w0 ca.crt"
	if bytes.Contains(b, []byte("PRIVATE KEY")) {
		return "holds a private key, but caBundle is not secret: give only the CA certificates"
	}
	rest, n := bytes.TrimSpace(b), 0
	for len(rest) > 0 {
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return "holds text outside its PEM blocks: give only the certificates (" + form + ")"
		}
		block, after := pem.Decode(rest)
		// pem.Decode skips a malformed block and looks for the next one:
		// a decoded block must be the one rest starts with.
		if block == nil || bytes.Count(rest[:len(rest)-len(after)], []byte("-----BEGIN ")) != 1 {
			return form
		}
		n++
		if block.Type != "CERTIFICATE" {
			return "block " + strconv.Itoa(n) + " is not a CERTIFICATE: give only the CA certificates"
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return "block " + strconv.Itoa(n) + " is not an X.509 certificate"
		}
		rest = bytes.TrimSpace(after)
	}
	if n == 0 {
		return form
	}
	return ""
}

// awsRendering renders AWS keys: the standard variables and a shared
// credentials/config file pair in dir, which the AWS SDKs and CLI
// read (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE). extraConfig is
// appended to the config file's [default] profile.
func awsRendering(c *tether.Connection, dir, region, extraConfig string) *tether.Rendering {
	r := newRendering()
	id, secret, session := string(secretBytes(c.Spec.KeyID)), string(secretBytes(c.Spec.KeySecret)), string(paramBytes(c, "sessionToken"))
	r.Env["AWS_ACCESS_KEY_ID"], r.Env["AWS_SECRET_ACCESS_KEY"] = id, secret
	setIf(r.Env, "AWS_SESSION_TOKEN", session)
	setIf(r.Env, "AWS_REGION", region)
	setIf(r.Env, "AWS_DEFAULT_REGION", region)
	creds := "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n"
	if session != "" {
		creds += "aws_session_token = " + session + "\n"
	}
	config := "[default]\n"
	if region != "" {
		config += "region = " + region + "\n"
	}
	r.Files["credentials"] = []byte(creds)
	r.Files["config"] = []byte(config + extraConfig)
	r.SetFileEnv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	r.SetFileEnv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	return r
}

// ShellQuote quotes s for a POSIX shell: in single quotes, with each
// single quote in s closed, escaped and reopened.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
