package conntype

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// azureBlobType is a container of an Azure storage account, reached with a
// shared access signature. Odahu's rules: keySecret,
// "<primary blob endpoint>/<SAS token>", required; the uri is
// "<container>[/path]", without scheme.
func azureBlobType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:  "azureblob",
		Group: tether.GroupBlob,
		URI:   "<container>[/path], e.g. raw-data/model/input",
		Example: &tether.ConnectionSpec{
			URI:         "raw-data/model/input",
			KeySecret:   tether.Secret(b64("https://myaccount.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=c2lnbmF0dXJl")),
			Description: "Training data of the churn model"},
		Description: "Azure Blob Storage container, reached with a shared access signature (SAS)",
		Fields: withOdahuFields([]tether.Field{
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: `"<primary blob endpoint>/<SAS token>", e.g. https://acct.blob.core.windows.net/?sv=...&sig=..., base64-encoded`},
		}),
		Check:    checkAzureBlob,
		Render:   renderAzureBlob,
		Probe:    probeAzureBlob,
		Expiry:   azureBlobExpiry,
		Airflow:  &tether.AirflowForm{ConnTypes: []string{"wasb"}, To: azureBlobToAirflow, From: azureBlobFromAirflow},
		Polyaxon: &tether.PolyaxonForm{Kind: "wasb", Schema: azureBlobSchema, Spec: azureBlobSpec},
	}
}

// azureBlobToAirflow is Airflow's wasb connection (WasbHook) with a SAS:
// the account as login, "<endpoint>/?<SAS>" as extra sas_token, which
// WasbHook takes as the account URL when it starts with https. The
// container and path go in the schema field, which WasbHook does not use.
func azureBlobToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	sas := string(secretBytes(c.Spec.KeySecret))
	account := ""
	if u, err := url.Parse(sas); err == nil {
		account, _, _ = strings.Cut(u.Hostname(), ".")
	}
	return &tether.AirflowConnection{ConnType: "wasb", Description: c.Spec.Description, Login: account,
		Schema: c.Spec.URI, Extra: map[string]any{"sas_token": sas}}, nil
}

// azureBlobFromAirflow reads a wasb connection with a SAS: sas_token (or
// the older extra__wasb__sas_token) as a URL, or as a bare token of the
// login's account; the container from the schema field.
func azureBlobFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	const what = "the Airflow wasb connection"
	sas := firstOf(extraString(a.Extra, "sas_token"), extraString(a.Extra, "extra__wasb__sas_token"))
	switch {
	case sas == "":
		return nil, formError(what, "has no sas_token in its extra: azureblob connections use a SAS, "+
			"not an account key or a connection string")
	case !strings.HasPrefix(sas, "https://") && !strings.HasPrefix(sas, "http://"):
		if a.Login == "" {
			return nil, formError(what, "has a bare sas_token but no account name as its login")
		}
		sas = "https://" + a.Login + ".blob.core.windows.net/?" + strings.TrimPrefix(sas, "?")
	}
	if a.Schema == "" {
		return nil, formError(what, "names no container: Tether reads it (container[/path]) from the schema field")
	}
	return &tether.ConnectionSpec{Type: "azureblob", URI: a.Schema, Description: a.Description,
		KeySecret: tether.Secret(b64(sas))}, nil
}

// azureBlobSchema is Polyaxon's wasb bucket,
// wasbs://<container>@<account host>/<path>, the account host read from
// the SAS URL when c is revealed.
func azureBlobSchema(c *tether.Connection) map[string]any {
	container, path, _ := strings.Cut(c.Spec.URI, "/")
	host := ""
	if key, ok := decoded(c.Spec.KeySecret.Reveal()); ok {
		if u, err := url.Parse(string(key)); err == nil {
			host = u.Host
		}
	}
	bucket := "wasbs://" + container
	if host != "" {
		bucket += "@" + host
	}
	return map[string]any{"bucket": bucket + "/" + path}
}

// azureBlobSpec reads the container and path of a Polyaxon wasb bucket.
func azureBlobSpec(schema map[string]any, s *tether.ConnectionSpec) error {
	b, err := bucketURI(schema, "wasbs", "wasb")
	if err != nil {
		return err
	}
	rest := strings.TrimPrefix(b, "wasbs://")
	authority, path, _ := strings.Cut(rest, "/")
	container, _, _ := strings.Cut(authority, "@")
	s.URI = strings.TrimSuffix(container+"/"+path, "/")
	return nil
}

// checkAzureBlob checks the uri and the form of the SAS URL.
func checkAzureBlob(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := azureURIProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	key, ok := decoded(s.KeySecret.Reveal())
	switch {
	case !ok:
		// Empty, masked or not base64: reported by the generic checks.
	case hasControl(string(key)):
		p.Add("spec.keySecret", msgDecodedControl)
	case !sasURL(string(key)):
		p.Add("spec.keySecret", `must be base64 of "<primary blob endpoint>/<SAS token>": `+
			"an absolute http(s) URL with a host and the SAS token as its query")
	}
}

// sasURL reports whether s is an absolute http(s) URL with a host and a
// query (the SAS token). The query is not parsed further: SAS tokens seen
// in the wild (Odahu's example among them) are not always well escaped.
func sasURL(s string) bool {
	before, query, ok := strings.Cut(s, "?")
	return ok && query != "" && urlProblem(before) == ""
}

// azureURIProblem returns why uri is not <container>[/path], or "".
func azureURIProblem(uri string) string {
	const form = "must be <container>[/path], without scheme"
	if strings.Contains(uri, "://") {
		return form
	}
	container, path, _ := strings.Cut(uri, "/")
	if !azureContainer(container) {
		return form + ": container names are 3 to 63 lowercase letters, digits and single '-', " +
			"starting and ending with a letter or digit (or $root, $web, $logs)"
	}
	if hasControl(path) {
		return "path " + msgControl
	}
	return ""
}

// azureContainer reports whether name follows Azure's container naming
// rules.
func azureContainer(name string) bool {
	switch name {
	case "$root", "$web", "$logs":
		return true
	}
	return len(name) >= 3 && len(name) <= 63 && lowerAlnumEnds(name) &&
		!strings.Contains(name, "--") &&
		strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// renderAzureBlob splits "<blob endpoint>/<SAS token>" into the Azure
// SDKs' variables and a connection string. The endpoint keeps its path: an
// emulator's (Azurite's http://127.0.0.1:10000/devstoreaccount1) names
// the account there, not in the host, which is then an IP address or a
// name without dots (localhost, a service's name).
func renderAzureBlob(c *tether.Connection, _ string) (*tether.Rendering, error) {
	u, err := url.Parse(string(secretBytes(c.Spec.KeySecret)))
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "connection %q: spec.keySecret is not an endpoint URL with a SAS token", c.ID)
	}
	r := newRendering()
	path := strings.Trim(u.EscapedPath(), "/")
	account, _, _ := strings.Cut(u.Hostname(), ".")
	endpoint := u.Scheme + "://" + u.Host + "/"
	if path != "" {
		endpoint += path + "/"
		if _, err := netip.ParseAddr(u.Hostname()); err == nil || !strings.Contains(u.Hostname(), ".") {
			account, _, _ = strings.Cut(path, "/")
		}
	}
	container, _, _ := strings.Cut(strings.TrimPrefix(c.Spec.URI, "/"), "/")
	r.Env["AZURE_STORAGE_ACCOUNT"] = account
	r.Env["AZURE_STORAGE_SAS_TOKEN"] = u.RawQuery
	r.Env["AZURE_STORAGE_BLOB_ENDPOINT"] = endpoint
	setIf(r.Env, "AZURE_STORAGE_CONTAINER", container)
	r.Env["AZURE_STORAGE_CONNECTION_STRING"] = "BlobEndpoint=" + endpoint + ";SharedAccessSignature=" + u.RawQuery
	return r, nil
}
