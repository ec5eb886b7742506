package kube_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/kube"
)

// b64 encodes s as the wire form of a base64 field.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// serviceAccountJSON is the service-account key of Odahu's gcs example.
const serviceAccountJSON = `{
    "type": "service_account",
    "project_id": "project_id",
    "private_key_id": "private_key_id",
    "private_key": "-----BEGIN PRIVATE KEY-----\nprivate_key\n-----END PRIVATE KEY-----\n",
    "client_email": "test@project_id.iam.gserviceaccount.com",
    "client_id": "123455678"
}`

// Secret values of the fixtures, decoded.
const (
	keyID         = "AKIAIOSFODNN7EXAMPLE"
	keySecret     = "wJalrXUtnFEMI/K7MDENG"
	sessionToken  = "SESSION-TOKEN-123"
	dockerPasswd  = "mypassword"
	azureSASToken = "sv=2019-02-02&ss=bf&sig=abc%3D"
)

// sshKey returns a new ed25519 private key (OpenSSH PEM) and its public key
// in authorized_keys form.
func sshKey(t testing.TB) (private, authLine string) {
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
	return string(pem.EncodeToMemory(block)), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// conn returns a valid, revealed connection of the given type, id
// "training-data", and its type.
func conn(t testing.TB, typ string) (*tether.Connection, *tether.ConnectionType) {
	t.Helper()
	c := &tether.Connection{Kind: tether.Kind, ID: "training-data", Spec: tether.ConnectionSpec{Type: typ}}
	s := &c.Spec
	switch typ {
	case "s3":
		s.URI, s.Region = "s3://raw-data/model/input", "eu-central-1"
		s.KeyID, s.KeySecret = tether.Secret(b64(keyID)), tether.Secret(b64(keySecret))
		s.Parameters = tether.Params{"endpoint": "http://minio.kubeflow:9000", "forcePathStyle": "true",
			"signatureVersion": "s3v4", "sessionToken": b64(sessionToken)}
	case "ecr":
		// with the registry token a delivery carries, which it renders
		s.URI = "5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow"
		s.KeyID, s.KeySecret = tether.Secret(b64(keyID)), tether.Secret(b64(keySecret))
		s.Username, s.Password = "AWS", tether.Secret(b64(dockerPasswd))
	case "gcs":
		s.URI, s.Region, s.KeySecret = "gs://raw-data/model/input", "us-central1", tether.Secret(b64(serviceAccountJSON))
	case "azureblob":
		s.URI = "raw-data/model/input"
		s.KeySecret = tether.Secret(b64("https://myaccount.blob.core.windows.net/?" + azureSASToken))
	case "git":
		private, authLine := sshKey(t)
		s.URI, s.Reference = "git@github.com:odahu/odahu-examples.git", "master"
		s.KeySecret, s.PublicKey = tether.Secret(b64(private)), b64("github.com "+authLine+"\n")
	case "docker":
		s.URI, s.Username, s.Password = "gcr.io/project/odahuflow", "_json", tether.Secret(b64(dockerPasswd))
	case "host_path":
		s.URI, s.Parameters = "/mnt/datasets", tether.Params{"mountPath": "/data", "readOnly": "true"}
	case "volume_claim":
		s.URI, s.Parameters = "scratch-claim", tether.Params{"mountPath": "/scratch"}
	default:
		if !dbFixture(typ, s) {
			ct := conntype.New().Type(typ)
			if ct == nil || ct.Example == nil {
				t.Fatalf("no fixture of type %q", typ)
			}
			c.Spec = (&tether.Connection{Spec: *ct.Example}).Clone().Spec
			c.Spec.Type = typ
		}
	}
	reg := conntype.New()
	if err := reg.Validate(c); err != nil {
		t.Fatal(err)
	}
	return c, reg.Type(typ)
}

// decodedSecrets returns the decoded secret values of c.
func decodedSecrets(t testing.TB, c *tether.Connection) []string {
	t.Helper()
	var out []string
	for _, v := range []string{c.Spec.Password.Reveal(), c.Spec.KeyID.Reveal(), c.Spec.KeySecret.Reveal(),
		c.Spec.Parameters["sessionToken"]} {
		if v == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// wantInvalid checks that err is EINVALID, mentions every one of want and
// reveals none of c's secrets.
func wantInvalid(t *testing.T, err error, c *tether.Connection, want ...string) {
	t.Helper()
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Fatalf("got %v, want an %s error", err, tether.EINVALID)
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
	for _, s := range decodedSecrets(t, c) {
		if strings.Contains(msg, s) {
			t.Errorf("error %q reveals a secret", msg)
		}
	}
}

func TestDeliveryBadOptions(t *testing.T) {
	cases := []struct {
		name string
		o    kube.DeliveryOptions
		want []string
	}{
		{"relative mount path", kube.DeliveryOptions{MountPath: "home/jovyan/.aws"}, []string{"--mount-path", "absolute, clean"}},
		{"unclean mount path", kube.DeliveryOptions{MountPath: "/home/jovyan/../.aws"}, []string{"--mount-path"}},
		{"trailing slash", kube.DeliveryOptions{MountPath: "/home/jovyan/.aws/"}, []string{"--mount-path"}},
		{"root", kube.DeliveryOptions{MountPath: "/"}, []string{"--mount-path"}},
		{"control character", kube.DeliveryOptions{MountPath: "/aws\n"}, []string{"--mount-path"}},
		{"items with mount path", kube.DeliveryOptions{MountPath: "/aws", Items: []string{"AWS_REGION"}}, []string{"--items"}},
		{"bad name", kube.DeliveryOptions{Name: "Training_Data"}, []string{"--name", "DNS-1123"}},
		{"long name", kube.DeliveryOptions{Name: strings.Repeat("a", 64)}, []string{"--name"}},
		{"bad namespace", kube.DeliveryOptions{Namespace: "a.b"}, []string{"--k8s-namespace"}},
		{"all at once", kube.DeliveryOptions{Name: "-x", MountPath: "aws"}, []string{"--name", "--mount-path"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, typ := conn(t, "s3")
			_, err := kube.Secret(c, typ, tc.o)
			wantInvalid(t, err, c, tc.want...)
			_, err = kube.PodDefault(c, typ, tc.o)
			wantInvalid(t, err, c, tc.want...)
		})
	}
}

// TestDeliveryModes checks, for every type, which modes work.
func TestDeliveryModes(t *testing.T) {
	cases := []struct {
		typ           string
		envOK, fileOK bool
		envErr        string
	}{
		{"s3", true, true, ""},
		{"ecr", false, true, "ecr connections are delivered as files: give --mount-path"},
		{"azureblob", true, false, "azureblob connections have no files to mount: omit --mount-path"},
		{"gcs", false, true, "gcs connections are delivered as files: give --mount-path"},
		{"docker", false, true, "docker connections are delivered as files: give --mount-path"},
		{"git", false, true, "git connections are delivered as files: give --mount-path"},
		{"gcp", false, true, "gcp connections are delivered as files: give --mount-path"},
		{"aws", true, true, ""},
		{"ssh", true, true, ""},
		{"ftp", true, true, ""},
		{"samba", true, true, ""},
		{"http", true, true, ""},
		// volumes: a PodDefault of their own, no Secret, no options
		{"host_path", true, false, "is a volume"},
		{"volume_claim", true, false, "is a volume"},
	}
	for _, typ := range []string{"wasb", "azure", "grpc", "jenkins", "segment", "slack", "discord", "mattermost",
		"hipchat", "webhook", "pager_duty", "custom"} {
		cases = append(cases, struct {
			typ           string
			envOK, fileOK bool
			envErr        string
		}{typ, true, false, typ + " connections have no files to mount: omit --mount-path"})
	}
	// The database kinds carry their secrets in variables; mysql
	// (my.cnf) and cassandra (cqlshrc) also have files to mount.
	for typ := range dbFixtures {
		files := typ == "mysql" || typ == "cassandra"
		cases = append(cases, struct {
			typ           string
			envOK, fileOK bool
			envErr        string
		}{typ, true, files, typ + " connections have no files to mount: omit --mount-path"})
	}
	var covered []string
	for _, tc := range cases {
		covered = append(covered, tc.typ)
	}
	for _, ct := range conntype.New().Types() {
		if !slices.Contains(covered, ct.Name) {
			t.Errorf("no case for type %s", ct.Name)
		}
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			c, typ := conn(t, tc.typ)
			_, err := kube.PodDefault(c, typ, kube.DeliveryOptions{})
			if tc.envOK != (err == nil) {
				t.Errorf("env mode: %v", err)
			}
			if !tc.envOK {
				wantInvalid(t, err, c, tc.envErr)
			}
			own, err := kube.OwnSecret(c, typ)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := kube.Secret(c, typ, kube.DeliveryOptions{}); own != (err == nil) {
				t.Errorf("Secret in env mode: %v", err)
			}
			mount := kube.DeliveryOptions{MountPath: "/var/run/tether/training-data"}
			_, err = kube.PodDefault(c, typ, mount)
			if tc.fileOK != (err == nil) {
				t.Errorf("mount mode: %v", err)
			}
			if !tc.fileOK {
				wantInvalid(t, err, c, tc.envErr)
				_, err = kube.Secret(c, typ, mount)
				wantInvalid(t, err, c, tc.envErr)
			}
		})
	}
}

// TestFilesCarrySecrets checks what mount mode relies on to leave out the
// variables that carry secrets: every type that renders files writes each
// of its secrets (or a value derived from them) into one.
func TestFilesCarrySecrets(t *testing.T) {
	for _, typ := range conntype.New().Types() {
		c, _ := conn(t, typ.Name)
		r, err := typ.Render(c, "/run/conn")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Files) == 0 {
			continue
		}
		for i, s := range decodedSecrets(t, c) {
			if !inFiles(r, s) {
				t.Errorf("%s: secret %d is in no file", typ.Name, i)
			}
		}
	}
}

// inFiles reports whether a file of r holds s, or a value derived from the
// secrets.
func inFiles(r *tether.Rendering, s string) bool {
	for _, f := range r.Files {
		if strings.Contains(string(f), s) {
			return true
		}
		for _, d := range r.Derived {
			if strings.Contains(string(f), d) {
				return true
			}
		}
	}
	return false
}
