package conntype_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"sort"
	"strings"
	"testing"

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
	default:
		t.Fatalf("no valid connection of type %q", typ)
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
