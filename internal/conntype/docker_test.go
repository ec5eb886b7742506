package conntype_test

import (
	"testing"

	"github.com/tether-ml/tether"
)

func TestDocker(t *testing.T) {
	uri := func(u string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.URI = u } }
	runTypeCases(t, "docker", []typeCase{
		{name: "valid"},
		{name: "host only", mut: uri("docker.io")},
		{name: "trailing slash", mut: uri("docker.io/odahu/")},
		{name: "host and port", mut: uri("localhost:5000/team")},
		{name: "ipv4 and port", mut: uri("127.0.0.1:5000")},
		{name: "ipv6 and port", mut: uri("[::1]:5000/team")},
		{name: "path separators", mut: uri("registry.example.com/my_team/model.v2/a__b/c--d")},
		{name: "scheme rejected", mut: uri("https://docker.io/odahu"),
			want: p("spec.uri"), msg: "spec.uri: must not contain a scheme"},
		{name: "bad port", mut: uri("localhost:99999"), want: p("spec.uri")},
		{name: "bad host", mut: uri("-bad.example/x"), want: p("spec.uri")},
		{name: "user in host", mut: uri("user@docker.io/x"), want: p("spec.uri")},
		{name: "uppercase path", mut: uri("docker.io/Odahu"), want: p("spec.uri")},
		{name: "tag", mut: uri("docker.io/odahu/image:1.0"), want: p("spec.uri"), msg: "without tag or digest"},
		{name: "empty component", mut: uri("docker.io/a//b"), want: p("spec.uri")},
		{name: "space", mut: uri("docker.io/a b"), want: p("spec.uri")},
		{name: "username required", mut: func(c *tether.Connection) { c.Spec.Username = "" },
			want: p("spec.username"), msg: "spec.username: required by type docker"},
		{name: "username with colon", mut: func(c *tether.Connection) { c.Spec.Username = "a:b" },
			want: p("spec.username"), msg: "must not contain ':'"},
		{name: "username with newline", mut: func(c *tether.Connection) { c.Spec.Username = "a\nb" },
			want: p("spec.username"), msg: "control characters"},
		{name: "username with spaces around", mut: func(c *tether.Connection) { c.Spec.Username = " admin" },
			want: p("spec.username"), msg: "leading or trailing spaces"},
		{name: "password required", mut: func(c *tether.Connection) { c.Spec.Password = "" },
			want: p("spec.password"), msg: "spec.password: required by type docker"},
		{name: "password not base64", mut: func(c *tether.Connection) { c.Spec.Password = "bXlwYXNzd29yZA===" },
			want: p("spec.password"), msg: "spec.password: must be base64-encoded"},
		{name: "password encoded with its newline", mut: func(c *tether.Connection) { c.Spec.Password = "bXlwYXNzd29yZAo=" },
			want: p("spec.password"), msg: "spec.password: must not decode to a line ending in a newline"},
		{name: "password multi-line json", mut: func(c *tether.Connection) {
			c.Spec.Password = tether.Secret(b64("{\n  \"type\": \"service_account\"\n}\n"))
		}},
		{name: "password masked", mut: func(c *tether.Connection) { c.Spec.Password = tether.Mask },
			want: p("spec.password"), msg: "is masked"},
		{name: "keySecret accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(b64("x")) }},
	})
}

func TestDockerCABundle(t *testing.T) {
	runTypeCases(t, "docker", append(caBundleCases(t),
		typeCase{name: "unknown parameter", mut: param("insecure", "true"), want: p("spec.parameters.insecure"),
			msg: "spec.parameters.insecure: unknown parameter for type docker (accepted: caBundle)"}))
}
