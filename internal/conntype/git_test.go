package conntype_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/tether-ml/tether"
)

func TestGitURI(t *testing.T) {
	uri := func(u string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.URI = u } }
	runTypeCases(t, "git", []typeCase{
		{name: "scp-like", mut: uri("git@github.com:odahu/odahu-examples.git")},
		{name: "scp-like absolute path", mut: uri("git@git.example.com:/srv/repo.git")},
		{name: "scp-like ipv6", mut: uri("git@[::1]:repo.git")},
		{name: "ssh url", mut: uri("ssh://git@github.com/odahu/odahu-examples.git")},
		{name: "ssh url with port", mut: uri("ssh://git@gitlab.example.com:2222/group/repo.git")},
		{name: "ssh url without user", mut: uri("ssh://gitlab.example.com/group/repo.git")},
		{name: "https without token", mut: uri("https://github.com/odahu/odahu-examples.git"),
			want: p("spec.keySecret", "spec.password", "spec.publicKey"), msg: "spec.password: required by type git over HTTPS"},
		{name: "git protocol rejected", mut: uri("git://github.com/odahu/odahu-examples.git"), want: p("spec.uri")},
		{name: "local path rejected", mut: uri("/srv/repo.git"), want: p("spec.uri")},
		{name: "scp-like without user", mut: uri("github.com:odahu/odahu-examples.git"), want: p("spec.uri")},
		{name: "scp-like without path", mut: uri("git@github.com:"), want: p("spec.uri")},
		{name: "scp-like option injection", mut: uri("git@github.com:-oProxyCommand=x"), want: p("spec.uri")},
		{name: "user option injection", mut: uri("-oProxyCommand=x@github.com:repo"), want: p("spec.uri")},
		{name: "host option injection", mut: uri("ssh://-oProxyCommand=x/repo"), want: p("spec.uri")},
		{name: "ssh url with password", mut: uri("ssh://git:hunter2@github.com/repo.git"), want: p("spec.uri")},
		{name: "ssh url mixing scp form", mut: uri("ssh://git@github.com:odahu/repo.git"), want: p("spec.uri")},
		{name: "ssh url without path", mut: uri("ssh://git@github.com/"), want: p("spec.uri")},
		{name: "ssh url with query", mut: uri("ssh://git@github.com/repo.git?x=1"), want: p("spec.uri")},
		{name: "space in path", mut: uri("git@github.com:odahu/my repo.git"), want: p("spec.uri")},
	})
}

func TestGitReference(t *testing.T) {
	ref := func(r string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.Reference = r } }
	runTypeCases(t, "git", []typeCase{
		{name: "none", mut: ref("")},
		{name: "branch", mut: ref("feature/new-model")},
		{name: "tag", mut: ref("v1.2.3")},
		{name: "full ref", mut: ref("refs/heads/develop")},
		{name: "commit", mut: ref("0123456789abcdef0123456789abcdef01234567")},
		{name: "space", mut: ref("my branch"), want: p("spec.reference")},
		{name: "dot dot", mut: ref("main..dev"), want: p("spec.reference"), msg: `no ".."`},
		{name: "leading dash", mut: ref("-f"), want: p("spec.reference"), msg: "must not start with '-'"},
		{name: "control char", mut: ref("ma\x01in"), want: p("spec.reference")},
		{name: "tilde", mut: ref("main~1"), want: p("spec.reference")},
		{name: "colon", mut: ref("a:b"), want: p("spec.reference")},
		{name: "at brace", mut: ref("main@{1}"), want: p("spec.reference")},
		{name: "lock suffix", mut: ref("main.lock"), want: p("spec.reference")},
		{name: "trailing slash", mut: ref("main/"), want: p("spec.reference")},
	})
}

func TestGitKeys(t *testing.T) {
	keys := newSSHKeys(t)
	other := newSSHKeys(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))
	secret := func(k string) func(c *tether.Connection) {
		return func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(b64(k)) }
	}
	hostKeys := func(k string) func(c *tether.Connection) {
		return func(c *tether.Connection) { c.Spec.PublicKey = b64(k) }
	}
	runTypeCases(t, "git", []typeCase{
		{name: "openssh ed25519", mut: secret(keys.private)},
		{name: "pem rsa", mut: secret(rsaPEM)},
		{name: "keySecret required", mut: func(c *tether.Connection) { c.Spec.KeySecret = "" },
			want: p("spec.keySecret"), msg: "spec.keySecret: required by type git"},
		{name: "passphrase", mut: secret(keys.encrypted(t)), want: p("spec.keySecret"), msg: "passphrase"},
		{name: "public key as private", mut: secret(keys.authLine), want: p("spec.keySecret"), msg: "holds a public key"},
		{name: "not a key", mut: secret("\nSUPER SECRET\n\n"), want: p("spec.keySecret")},
		{name: "keySecret not base64", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(keys.private) },
			want: p("spec.keySecret"), msg: "must be base64-encoded"},
		{name: "keySecret masked", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Mask },
			want: p("spec.keySecret"), msg: "is masked"},
		{name: "no host key", mut: func(c *tether.Connection) { c.Spec.PublicKey = "" }},
		{name: "bare host key", mut: hostKeys(keys.authLine)},
		{name: "ssh-keyscan output", mut: hostKeys("# github.com:22 SSH-2.0-babeld\ngithub.com " + keys.authLine +
			"\n\n# github.com:22 SSH-2.0-babeld\ngithub.com " + other.authLine + "\n")},
		{name: "hashed known_hosts", mut: hostKeys("|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= " + keys.authLine)},
		{name: "host key with port", mut: hostKeys("[git.example.com]:2222 " + keys.authLine)},
		{name: "host key garbage line", mut: hostKeys("github.com " + keys.authLine + "\nnot a key\n"),
			want: p("spec.publicKey"), msg: "line 2 is not an SSH host key"},
		{name: "host key comments only", mut: hostKeys("# nothing\n\n"), want: p("spec.publicKey"), msg: "holds no SSH host key"},
		{name: "private key as host key", mut: hostKeys(keys.private), want: p("spec.publicKey"), msg: "publicKey is not secret"},
		{name: "host key not base64", mut: func(c *tether.Connection) { c.Spec.PublicKey = keys.authLine },
			want: p("spec.publicKey"), msg: "spec.publicKey: must be base64-encoded"},
		{name: "host key wrapped base64", mut: func(c *tether.Connection) {
			v := b64("github.com " + keys.authLine)
			c.Spec.PublicKey = v[:40] + "\n" + v[40:]
		}},
		{name: "username accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.Username = "git" }},
		{name: "password accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.Password = tether.Secret(b64("pw")) }},
		{name: "password masked", mut: func(c *tether.Connection) { c.Spec.Password = tether.Mask },
			want: p("spec.password")},
	})
}
