package conntype_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
)

func TestAzureBlob(t *testing.T) {
	uri := func(u string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.URI = u } }
	key := func(k string) func(c *tether.Connection) {
		return func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(b64(k)) }
	}
	runTypeCases(t, "azureblob", []typeCase{
		{name: "valid"},
		{name: "container only", mut: uri("raw-data")},
		{name: "root container", mut: uri("$root/x")},
		{name: "azurite endpoint", mut: key("http://127.0.0.1:10000/devstoreaccount1?sv=2021&sig=x")},
		{name: "scheme rejected", mut: uri("https://myaccount.blob.core.windows.net/raw-data"),
			want: p("spec.uri"), msg: "spec.uri: must be <container>[/path], without scheme"},
		{name: "container uppercase", mut: uri("Raw-Data/x"), want: p("spec.uri")},
		{name: "container double dash", mut: uri("raw--data"), want: p("spec.uri")},
		{name: "container too short", mut: uri("ab/x"), want: p("spec.uri")},
		{name: "leading slash", mut: uri("/raw-data"), want: p("spec.uri")},
		{name: "keySecret required", mut: func(c *tether.Connection) { c.Spec.KeySecret = "" },
			want: p("spec.keySecret"), msg: "spec.keySecret: required by type azureblob"},
		{name: "keySecret without sas", mut: key("https://myaccount.blob.core.windows.net/"),
			want: p("spec.keySecret"), msg: "<primary blob endpoint>/<SAS token>"},
		{name: "keySecret empty sas", mut: key("https://myaccount.blob.core.windows.net/?"), want: p("spec.keySecret")},
		{name: "keySecret sas only", mut: key("sv=2019-02-02&sig=abc"), want: p("spec.keySecret")},
		{name: "keySecret encoded with its newline", mut: key("https://a.blob.core.windows.net/?sig=x\n"),
			want: p("spec.keySecret"), msg: "trailing newline"},
		{name: "keySecret no host", mut: key("https:///?sig=abc"), want: p("spec.keySecret")},
		{name: "keySecret ftp", mut: key("ftp://myaccount/?sig=abc"), want: p("spec.keySecret")},
		{name: "keySecret not base64", mut: func(c *tether.Connection) { c.Spec.KeySecret = "https://x/?sig=y" },
			want: p("spec.keySecret"), msg: "must be base64-encoded"},
		{name: "keySecret masked", mut: func(c *tether.Connection) { c.Spec.KeySecret = tether.Mask },
			want: p("spec.keySecret"), msg: "is masked"},
		{name: "region accepted, as Odahu does", mut: func(c *tether.Connection) { c.Spec.Region = "westeurope" }},
		{name: "username and password accepted, as Odahu does", mut: func(c *tether.Connection) {
			c.Spec.Username, c.Spec.Password = "acct", tether.Secret(b64("pw"))
		}},
		{name: "odahu field still checked", mut: func(c *tether.Connection) { c.Spec.Password = "not base64!" },
			want: p("spec.password"), msg: "must be base64-encoded"},
	})
}

// TestRenderAzureBlobEndpoints checks the account and the endpoint rendered
// from the keySecret's URL: the account is the host's first label on Azure,
// the path's first segment on an emulator addressed by IP or by a name
// without dots, and the endpoint keeps the path either way.
func TestRenderAzureBlobEndpoints(t *testing.T) {
	for _, tc := range []struct{ secret, account, endpoint string }{
		{"https://acct.blob.core.windows.net/?sv=1&sig=x", "acct", "https://acct.blob.core.windows.net/"},
		{"https://acct.blob.core.windows.net?sv=1&sig=x", "acct", "https://acct.blob.core.windows.net/"},
		{"http://127.0.0.1:10000/devstoreaccount1/?sv=1&sig=x", "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1/"},
		{"http://127.0.0.1:10000/devstoreaccount1?sv=1&sig=x", "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1/"},
		{"http://localhost:10000/devstoreaccount1?sv=1&sig=x", "devstoreaccount1", "http://localhost:10000/devstoreaccount1/"},
		{"http://azurite:10000/devstoreaccount1?sv=1&sig=x", "devstoreaccount1", "http://azurite:10000/devstoreaccount1/"},
		{"https://blob.example.com/acct?sv=1&sig=x", "blob", "https://blob.example.com/acct/"},
	} {
		c := validConn(t, "azureblob")
		c.Spec.KeySecret = tether.Secret(b64(tc.secret))
		env := render(t, c).Env
		got := []string{env["AZURE_STORAGE_ACCOUNT"], env["AZURE_STORAGE_BLOB_ENDPOINT"], env["AZURE_STORAGE_CONNECTION_STRING"]}
		want := []string{tc.account, tc.endpoint, "BlobEndpoint=" + tc.endpoint + ";SharedAccessSignature=sv=1&sig=x"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: account, endpoint, connection string (-want +got):\n%s", tc.secret, diff)
		}
	}
}
