package conntype_test

import (
	"testing"

	"github.com/tether-ml/tether"
)

// Mutators of the per-kind tables.
func uri(u string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.URI = u } }
func user(u string) func(c *tether.Connection) {
	return func(c *tether.Connection) { c.Spec.Username = u }
}
func password(v string) func(c *tether.Connection) {
	return func(c *tether.Connection) { c.Spec.Password = tether.Secret(v) }
}
func keySecret(v string) func(c *tether.Connection) {
	return func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(v) }
}

func TestHookKinds(t *testing.T) {
	for _, typ := range []string{"slack", "discord", "mattermost", "hipchat", "webhook"} {
		t.Run(typ, func(t *testing.T) {
			base := validConn(t, typ).Spec.URI
			runTypeCases(t, typ, []typeCase{
				{name: "example"},
				{name: "password required", mut: password(""), want: p("spec.password"), msg: "required by type " + typ},
				{name: "password masked", mut: password(tether.Mask), want: p("spec.password"), msg: "is masked"},
				{name: "password not base64", mut: password(base + "/x"), want: p("spec.password"), msg: "base64"},
				{name: "password not a URL", mut: password(b64("just-a-token")), want: p("spec.password"),
					msg: "webhook URL, an absolute http(s) URL"},
				{name: "hook on another host", mut: password(b64("https://evil.example.net/hook")),
					want: p("spec.password"), msg: "must start with spec.uri"},
				{name: "hook with newline", mut: password(b64(base + "/x\n")), want: p("spec.password"), msg: "control characters"},
				{name: "uri with another path", mut: uri(base + "/other"), want: p("spec.password")},
				{name: "uri with a query", mut: uri(base + "?token=x"), want: p("spec.uri"), msg: "no query"},
				{name: "uri with credentials", mut: uri("https://u:p@hooks.example.com"), want: p("spec.uri")},
				{name: "uri not a URL", mut: uri("hooks.slack.com"), want: p("spec.uri")},
				{name: "username not supported", mut: user("x"), want: p("spec.username"), msg: "not supported by type " + typ},
			})
		})
	}
}

func TestPagerDuty(t *testing.T) {
	runTypeCases(t, "pager_duty", []typeCase{
		{name: "example"},
		{name: "key required", mut: password(""), want: p("spec.password")},
		{name: "key too short", mut: password(b64("abc")), want: p("spec.password"), msg: "32 letters and digits"},
		{name: "key with dashes", mut: password(b64("0123456789abcdef-123456789abcdef")), want: p("spec.password")},
		{name: "uri not a URL", mut: uri("events.pagerduty.com"), want: p("spec.uri")},
	})
}

func TestServiceKinds(t *testing.T) {
	keys := newSSHKeys(t)
	runTypeCases(t, "ssh", []typeCase{
		{name: "password"},
		{name: "key instead", mut: func(c *tether.Connection) { c.Spec.Password, c.Spec.KeySecret = "", tether.Secret(b64(keys.private)) }},
		{name: "pinned host key", mut: func(c *tether.Connection) { c.Spec.PublicKey = b64(keys.authLine) }},
		{name: "neither key nor password", mut: password(""), want: p("spec.keySecret"), msg: "unless spec.password is set"},
		{name: "not a key", mut: keySecret(b64("nope")), want: p("spec.keySecret")},
		{name: "passphrase key", mut: keySecret(b64(keys.encrypted(t))), want: p("spec.keySecret"), msg: "passphrase"},
		{name: "private key as host key", mut: func(c *tether.Connection) { c.Spec.PublicKey = b64(keys.private) },
			want: p("spec.publicKey")},
		{name: "user option injection", mut: user("-oProxyCommand=x"), want: p("spec.username")},
		{name: "user required", mut: user(""), want: p("spec.username")},
		{name: "scp-like uri", mut: uri("ops@bastion:22"), want: p("spec.uri")},
		{name: "uri with path", mut: uri("ssh://bastion.example.com/home"), want: p("spec.uri"), msg: "without a path"},
		{name: "uri with user", mut: uri("ssh://ops@bastion.example.com"), want: p("spec.uri"), msg: "must not embed credentials"},
		{name: "host option injection", mut: uri("ssh://-oProxyCommand=x"), want: p("spec.uri")},
	})
	runTypeCases(t, "ftp", []typeCase{
		{name: "example"},
		{name: "ftps", mut: uri("ftps://ftp.example.com:990/in")},
		{name: "anonymous password unset", mut: password("")},
		{name: "sftp scheme", mut: uri("sftp://ftp.example.com"), want: p("spec.uri")},
		{name: "user required", mut: user(""), want: p("spec.username")},
		{name: "password newline", mut: password(b64("pw\n")), want: p("spec.password"), msg: "control characters"},
	})
	runTypeCases(t, "samba", []typeCase{
		{name: "example"},
		{name: "no share", mut: uri("smb://files.example.com/"), want: p("spec.uri"), msg: "must name the share"},
		{name: "windows path", mut: uri(`\\files\datasets`), want: p("spec.uri")},
		{name: "password required", mut: password(""), want: p("spec.password")},
		{name: "unknown parameter", mut: param("workgroup", "X"), want: p("spec.parameters.workgroup")},
	})
	runTypeCases(t, "http", []typeCase{
		{name: "basic"},
		{name: "bearer", mut: user("")},
		{name: "no credential", mut: func(c *tether.Connection) { c.Spec.Username, c.Spec.Password = "", "" }},
		{name: "user without password", mut: password(""), want: p("spec.password"), msg: "required with a username"},
		{name: "user with colon", mut: user("a:b"), want: p("spec.username")},
		{name: "ftp uri", mut: uri("ftp://api.example.com"), want: p("spec.uri")},
		{name: "query in uri", mut: uri("https://api.example.com/?key=x"), want: p("spec.uri")},
	})
	runTypeCases(t, "grpc", []typeCase{
		{name: "example"},
		{name: "plain text", mut: uri("grpc://127.0.0.1:50051")},
		{name: "http scheme", mut: uri("https://model.example.com"), want: p("spec.uri")},
		{name: "path", mut: uri("grpcs://model.example.com:443/svc"), want: p("spec.uri")},
		{name: "caBundle not PEM", mut: param("caBundle", b64("x")), want: p("spec.parameters.caBundle")},
	})
	runTypeCases(t, "jenkins", []typeCase{
		{name: "example"},
		{name: "token required", mut: password(""), want: p("spec.password")},
		{name: "user required", mut: user(""), want: p("spec.username")},
		{name: "not http", mut: uri("jenkins.example.com"), want: p("spec.uri")},
	})
	runTypeCases(t, "segment", []typeCase{
		{name: "example"},
		{name: "key required", mut: password(""), want: p("spec.password")},
		{name: "uri not a URL", mut: uri("segment"), want: p("spec.uri")},
	})
}

func TestCloudKinds(t *testing.T) {
	runTypeCases(t, "aws", []typeCase{
		{name: "example"},
		{name: "role", mut: func(c *tether.Connection) { c.Spec.Role = "arn:aws:iam::123456789012:role/reader" }},
		{name: "role without region", mut: func(c *tether.Connection) {
			c.Spec.Role, c.Spec.Region = "arn:aws:iam::123456789012:role/reader", ""
		}, want: p("spec.region"), msg: "required with spec.role"},
		{name: "bad role", mut: func(c *tether.Connection) { c.Spec.Role = "reader" }, want: p("spec.role")},
		{name: "externalId without role", mut: param("externalId", "x1"), want: p("spec.parameters.externalId")},
		{name: "bad region", mut: func(c *tether.Connection) { c.Spec.Region = "Frankfurt" }, want: p("spec.region")},
		{name: "keys required", mut: func(c *tether.Connection) { c.Spec.KeyID, c.Spec.KeySecret = "", "" },
			want: p("spec.keyID", "spec.keySecret")},
		{name: "s3 uri", mut: uri("s3://bucket"), want: p("spec.uri")},
		{name: "session token newline", mut: param("sessionToken", b64("t\n")), want: p("spec.parameters.sessionToken")},
	})
	runTypeCases(t, "gcp", []typeCase{
		{name: "example"},
		{name: "not JSON", mut: keySecret(b64("key")), want: p("spec.keySecret"), msg: "JSON object"},
		{name: "no type", mut: keySecret(b64(`{"project_id": "p"}`)), want: p("spec.keySecret")},
		{name: "gs uri", mut: uri("gs://bucket"), want: p("spec.uri")},
		{name: "bad project", mut: uri("gcp://my project"), want: p("spec.uri")},
	})
	runTypeCases(t, "azure", []typeCase{
		{name: "example"},
		{name: "tenant domain", mut: param("tenantId", "contoso.onmicrosoft.com")},
		{name: "tenant required", mut: param("tenantId", ""), want: p("spec.parameters.tenantId")},
		{name: "client id not a GUID", mut: user("app"), want: p("spec.username")},
		{name: "subscription not a GUID", mut: uri("azure://prod"), want: p("spec.uri")},
		{name: "secret required", mut: password(""), want: p("spec.password")},
	})
	runTypeCases(t, "wasb", []typeCase{
		{name: "account key"},
		{name: "sas instead", mut: func(c *tether.Connection) {
			c.Spec.KeySecret, c.Spec.Parameters = "", tether.Params{"sasToken": b64("?sv=2022-11-02&sig=abc")}
		}},
		{name: "both", mut: param("sasToken", b64("sv=1&sig=x")), want: p("spec.parameters.sasToken"), msg: "not both"},
		{name: "neither", mut: keySecret(""), want: p("spec.keySecret")},
		{name: "sas without signature", mut: func(c *tether.Connection) {
			c.Spec.KeySecret, c.Spec.Parameters = "", tether.Params{"sasToken": b64("sv=1")}
		}, want: p("spec.parameters.sasToken")},
		{name: "wasb scheme", mut: uri("wasb://data@myaccount.blob.core.windows.net/dir")},
		{name: "no container", mut: uri("wasbs://myaccount.blob.core.windows.net/"), want: p("spec.uri")},
		{name: "bad account", mut: uri("wasbs://data@My_Account.blob.core.windows.net/"), want: p("spec.uri")},
		{name: "azureblob form", mut: uri("data/path"), want: p("spec.uri")},
	})
}
