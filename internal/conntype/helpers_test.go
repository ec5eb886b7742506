package conntype_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"golang.org/x/crypto/ssh"
)

// b64 encodes s as the wire form of a base64 field.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// sshKeys are real keys generated for a test.
type sshKeys struct {
	priv     ed25519.PrivateKey
	private  string // OpenSSH private key, PEM
	authLine string // "ssh-ed25519 AAAA..." (authorized_keys form)
}

// encrypted returns the private key protected by a passphrase (slow: the
// key derivation is deliberately costly).
func (k sshKeys) encrypted(t testing.TB) string {
	t.Helper()
	block, err := ssh.MarshalPrivateKeyWithPassphrase(k.priv, "test", []byte("passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

func newSSHKeys(t testing.TB) sshKeys {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshKeys{
		priv:     priv,
		private:  string(pem.EncodeToMemory(block)),
		authLine: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))),
	}
}

// testCA is a self-signed CA certificate made for a test, and its key.
type testCA struct {
	certPEM string // one PEM CERTIFICATE block
	keyPEM  string // its private key, a PEM PRIVATE KEY block
}

func newTestCA(t testing.TB) testCA {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Tether test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})),
	}
}

// caBundleCases are the rules of the caBundle parameter, which s3 and
// docker share.
func caBundleCases(t testing.TB) []typeCase {
	ca, other := newTestCA(t), newTestCA(t)
	pubDER, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	garbage := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")}))
	bundle := func(v string) func(c *tether.Connection) { return param("caBundle", b64(v)) }
	const path = "spec.parameters.caBundle"
	return []typeCase{
		{name: "caBundle one certificate", mut: bundle(ca.certPEM)},
		{name: "caBundle two certificates", mut: bundle(ca.certPEM + "\n" + other.certPEM)},
		{name: "caBundle without final newline", mut: bundle(strings.TrimSuffix(ca.certPEM, "\n"))},
		{name: "caBundle wrapped base64", mut: func(c *tether.Connection) {
			v := b64(ca.certPEM)
			param("caBundle", v[:76]+"\n"+v[76:])(c)
		}},
		{name: "caBundle empty is unset", mut: param("caBundle", "")},
		{name: "caBundle not base64", mut: param("caBundle", ca.certPEM),
			want: p(path), msg: path + ": must be base64-encoded"},
		{name: "caBundle not PEM", mut: bundle("just some text\n"),
			want: p(path), msg: path + ": holds text outside its PEM blocks"},
		{name: "caBundle DER", mut: bundle(string(mustDER(t, ca.certPEM))), want: p(path)},
		{name: "caBundle blank", mut: bundle(" \n"),
			want: p(path), msg: path + ": must be PEM certificates (-----BEGIN CERTIFICATE-----)"},
		{name: "caBundle private key", mut: bundle(ca.keyPEM),
			want: p(path), msg: path + ": holds a private key, but caBundle is not secret"},
		{name: "caBundle certificate and its key", mut: bundle(ca.certPEM + ca.keyPEM),
			want: p(path), msg: "holds a private key"},
		{name: "caBundle public key", mut: bundle(ca.certPEM + pubPEM),
			want: p(path), msg: path + ": block 2 is not a CERTIFICATE"},
		{name: "caBundle unparsable certificate", mut: bundle(garbage),
			want: p(path), msg: path + ": block 1 is not an X.509 certificate"},
		{name: "caBundle text between certificates", mut: bundle(ca.certPEM + "subject=CN=x\n" + other.certPEM),
			want: p(path), msg: "holds text outside its PEM blocks"},
		{name: "caBundle truncated", mut: bundle(ca.certPEM[:len(ca.certPEM)/2]),
			want: p(path), msg: path + ": must be PEM certificates"},
		{name: "caBundle truncated before another", mut: bundle(ca.certPEM[:len(ca.certPEM)/2] + other.certPEM),
			want: p(path), msg: path + ": must be PEM certificates"},
	}
}

// mustDER returns the DER bytes of a PEM block.
func mustDER(t testing.TB, s string) []byte {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		t.Fatal("not PEM")
	}
	return block.Bytes
}

// serviceAccountJSON is the service-account key of Odahu's gcs example.
const serviceAccountJSON = `{
    "type": "service_account",
    "project_id": "project_id",
    "private_key_id": "private_key_id",
    "private_key": "-----BEGIN PRIVATE KEY-----\nprivate_key\n-----END PRIVATE KEY-----\n",
    "client_email": "test@project_id.iam.gserviceaccount.com",
    "client_id": "123455678"
}`

// validConn returns a valid connection of the given type.
func validConn(t testing.TB, typ string) *tether.Connection {
	t.Helper()
	c := &tether.Connection{Kind: tether.Kind, ID: "conn-1", Spec: tether.ConnectionSpec{Type: typ}}
	s := &c.Spec
	switch typ {
	case "s3":
		s.URI, s.Region = "s3://raw-data/model/input", "eu-central-1"
		s.KeyID, s.KeySecret = tether.Secret(b64("AKIAIOSFODNN7EXAMPLE")), tether.Secret(b64("wJalrXUtnFEMI/K7MDENG"))
	case "gcs":
		s.URI, s.Region, s.KeySecret = "gs://raw-data/model/input", "us-central1", tether.Secret(b64(serviceAccountJSON))
	case "azureblob":
		s.URI = "raw-data/model/input"
		s.KeySecret = tether.Secret(b64("https://myaccount.blob.core.windows.net/?sv=2019-02-02&ss=bf&sig=abc%3D"))
	case "git":
		k := newSSHKeys(t)
		s.URI, s.Reference = "git@github.com:odahu/odahu-examples.git", "master"
		s.KeySecret, s.PublicKey = tether.Secret(b64(k.private)), b64("github.com "+k.authLine+"\n")
	case "docker":
		s.URI, s.Username, s.Password = "gcr.io/project/odahuflow", "_json", tether.Secret(b64("mypassword"))
	case "ecr":
		s.URI, s.Region = "5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow", "eu-central-1"
		s.KeyID, s.KeySecret = tether.Secret(b64("AKIAIOSFODNN7EXAMPLE")), tether.Secret(b64("wJalrXUtnFEMI/K7MDENG"))
		// the registry token a delivery carries (exchangeECR), which it
		// renders
		s.Username, s.Password = "AWS", tether.Secret(b64("ecr-token"))
	case "host_path":
		s.URI, s.Parameters = "/mnt/datasets", tether.Params{"mountPath": "/data", "readOnly": "true"}
	case "volume_claim":
		s.URI, s.Parameters = "training-data", tether.Params{"mountPath": "/data"}
	default:
		if !validDBConn(typ, s) {
			ct := conntype.New().Type(typ)
			if ct == nil || ct.Example == nil {
				t.Fatalf("no valid connection of type %q", typ)
			}
			c.Spec = (&tether.Connection{Spec: *ct.Example}).Clone().Spec
			c.Spec.Type = typ
		}
	}
	return c
}

// validate runs Validate twice on c, checks that the second run gives the
// same result and leaves c as the first run did, and returns the error.
func validate(t *testing.T, r *conntype.Registry, c *tether.Connection) error {
	t.Helper()
	err := r.Validate(c)
	if err != nil {
		var te *tether.Error
		if !errors.As(err, &te) || te.Code != tether.EINVALID {
			t.Fatalf("Validate: got %#v, want an *tether.Error with code %q", err, tether.EINVALID)
		}
	}
	after := c.Clone()
	err2 := r.Validate(c)
	if diff := cmp.Diff(errString(err), errString(err2)); diff != "" {
		t.Errorf("second Validate gave another result (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(after, c); diff != "" {
		t.Errorf("second Validate changed the connection (-first +second):\n%s", diff)
	}
	return err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// problems splits a Validate error into its problems ("path: message").
func problems(err error) []string {
	if err == nil {
		return nil
	}
	_, list, ok := strings.Cut(tether.ErrorMessage(err), " is invalid: ")
	if !ok {
		return []string{tether.ErrorMessage(err)}
	}
	return strings.Split(list, "; ")
}

// paths returns the sorted paths of the problems of a Validate error.
func paths(err error) []string {
	var out []string
	for _, p := range problems(err) {
		path, _, _ := strings.Cut(p, ": ")
		out = append(out, path)
	}
	sort.Strings(out)
	return out
}

// check compares the problems of err with the wanted paths and, if msg is
// not empty, checks that some problem contains msg.
func check(t *testing.T, err error, want []string, msg string) {
	t.Helper()
	if diff := cmp.Diff(want, paths(err)); diff != "" {
		t.Errorf("problem paths (-want +got):\n%s\nerror: %v", diff, err)
	}
	if msg != "" && !strings.Contains(errString(err), msg) {
		t.Errorf("error %q does not contain %q", errString(err), msg)
	}
}

// typeCase is one row of a per-type table: a change to a valid connection
// and the problems it must cause.
type typeCase struct {
	name string
	mut  func(c *tether.Connection)
	want []string // paths of the expected problems; nil means valid
	msg  string   // a substring of the message, if not empty
}

// runTypeCases runs cases against valid connections of type typ.
func runTypeCases(t *testing.T, typ string, cases []typeCase) {
	t.Helper()
	r := conntype.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConn(t, typ)
			if tc.mut != nil {
				tc.mut(c)
			}
			check(t, validate(t, r, c), tc.want, tc.msg)
		})
	}
}

// p makes a path list.
func p(paths ...string) []string { return paths }
