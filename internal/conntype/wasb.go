package conntype

import (
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// wasbType is an Azure Blob Storage container addressed as Hadoop and
// Polyaxon do (wasbs://<container>@<account>.blob.core.windows.net/),
// reached with the storage account's key or with a SAS token. Unlike
// azureblob (Odahu's), the account is in the uri and the secret is the key
// or the token alone.
func wasbType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "wasb",
		Description: "Azure Blob Storage container (wasbs://), reached with the account key or a SAS token",
		Group:       tether.GroupBlob,
		URI:         "wasbs://<container>@<account>.blob.core.windows.net/[path], e.g. wasbs://data@acct.blob.core.windows.net/",
		Example: &tether.ConnectionSpec{Type: "wasb", URI: "wasbs://data@myaccount.blob.core.windows.net/",
			KeySecret: tether.Secret(b64("bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5MTI=="))},
		Fields: []tether.Field{
			{Name: "keySecret", Secret: true, Base64: true,
				Description: "Storage account key (as the portal shows it), base64-encoded; or give parameters.sasToken"},
		},
		Parameters: []tether.Parameter{
			{Name: "sasToken", Secret: true, Base64: true,
				Description: "Shared access signature (sv=...&sig=...), base64-encoded, instead of the account key"},
		},
		Check:   checkWasb,
		Render:  renderWasb,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"wasb"}, To: wasbToAirflow, From: wasbFromAirflow},
		Polyaxon: &tether.PolyaxonForm{Kind: "wasb",
			Schema: func(c *tether.Connection) map[string]any { return map[string]any{"bucket": c.Spec.URI} },
			Spec:   wasbFromPolyaxon},
	}
}

// wasbTarget is what a wasb uri names.
type wasbTarget struct {
	scheme, container, account, host, path string
}

// parseWasb splits a wasb uri, or returns ok false.
func parseWasb(uri string) (t wasbTarget, ok bool) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "wasbs" && u.Scheme != "wasb") || u.User == nil || u.RawQuery != "" || u.Fragment != "" {
		return t, false
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return t, false
	}
	account, suffix, _ := strings.Cut(u.Hostname(), ".blob.")
	t = wasbTarget{scheme: u.Scheme, container: u.User.Username(), account: account, host: u.Host,
		path: strings.TrimPrefix(u.Path, "/")}
	return t, suffix != "" && validHostPort(u.Host) && azureContainer(t.container) &&
		len(account) >= 3 && len(account) <= 24 && strings.Trim(account, "abcdefghijklmnopqrstuvwxyz0123456789") == "" &&
		!hasControl(t.path)
}

// checkWasb checks the uri and that exactly one of the key and the SAS is
// given.
func checkWasb(s *tether.ConnectionSpec, p *tether.Problems) {
	if _, ok := parseWasb(s.URI); s.URI != "" && !ok {
		p.Add("spec.uri", "must be wasbs://<container>@<account>.blob.<endpoint suffix>/[path], "+
			"e.g. wasbs://data@myaccount.blob.core.windows.net/ (account: 3 to 24 lowercase letters and digits)")
	}
	switch sas := s.Parameters["sasToken"]; {
	case s.KeySecret == "" && sas == "":
		p.Add("spec.keySecret", "required by type wasb, unless parameters.sasToken is set")
	case s.KeySecret != "" && sas != "":
		p.Add("spec.parameters.sasToken", "give either spec.keySecret (the account key) or the SAS token, not both")
	}
	checkDecodedText("spec.keySecret", s.KeySecret.Reveal(), p)
	if b, ok := decoded(s.Parameters["sasToken"]); ok {
		if hasControl(string(b)) {
			p.Add("spec.parameters.sasToken", msgDecodedControl)
		} else if _, err := url.ParseQuery(strings.TrimPrefix(string(b), "?")); err != nil || !strings.Contains(string(b), "sig=") {
			p.Add("spec.parameters.sasToken", "must be base64 of a SAS token: a query string with sig=")
		}
	}
}

// renderWasb gives the variables az, azcopy and the Azure SDKs read, and a
// connection string with the key or the SAS.
func renderWasb(c *tether.Connection, _ string) (*tether.Rendering, error) {
	t, _ := parseWasb(c.Spec.URI)
	r := newRendering()
	proto := "https"
	if t.scheme == "wasb" {
		proto = "http"
	}
	endpoint := proto + "://" + t.host + "/"
	r.Env["AZURE_STORAGE_ACCOUNT"], r.Env["AZURE_STORAGE_CONTAINER"], r.Env["AZURE_STORAGE_BLOB_ENDPOINT"] = t.account, t.container, endpoint
	if key := string(secretBytes(c.Spec.KeySecret)); key != "" {
		_, suffix, _ := strings.Cut(t.host, ".blob.")
		r.Env["AZURE_STORAGE_KEY"] = key
		r.Env["AZURE_STORAGE_CONNECTION_STRING"] = "DefaultEndpointsProtocol=" + proto + ";AccountName=" + t.account +
			";AccountKey=" + key + ";EndpointSuffix=" + suffix
	} else {
		sas := strings.TrimPrefix(string(paramBytes(c, "sasToken")), "?")
		r.Env["AZURE_STORAGE_SAS_TOKEN"] = sas
		r.Env["AZURE_STORAGE_CONNECTION_STRING"] = "BlobEndpoint=" + endpoint + ";SharedAccessSignature=" + sas
	}
	return r, nil
}

// wasbToAirflow gives what Airflow's WasbHook reads: the account in login,
// its URL in host, the key in password or the SAS in extra. The container
// is not part of Airflow's connection; it is kept in extra.
func wasbToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	t, _ := parseWasb(c.Spec.URI)
	a := &tether.AirflowConnection{ConnType: "wasb", Description: c.Spec.Description, Login: t.account,
		Host: "https://" + t.host + "/", Password: tether.Secret(secretBytes(c.Spec.KeySecret)),
		Extra: map[string]any{"container_name": t.container}}
	setAny(a.Extra, "sas_token", string(paramBytes(c, "sasToken")))
	setAny(a.Extra, "path", t.path)
	return a, nil
}

func wasbFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	container, sas, host := airflowExtra(a, "container_name"), airflowExtra(a, "sas_token"), a.Host
	if host == "" && a.Login != "" {
		host = a.Login + ".blob.core.windows.net"
	}
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	if container == "" || host == "" {
		return nil, tether.Errorf(tether.EINVALID, "an Airflow wasb connection needs login or host, and container_name in extra")
	}
	s := &tether.ConnectionSpec{URI: "wasbs://" + container + "@" + host + "/" + airflowExtra(a, "path"),
		Description: a.Description, KeySecret: b64Secret(a.Password.Reveal())}
	if sas != "" {
		s.Parameters = tether.Params{"sasToken": b64(sas)}
	}
	return s, nil
}

// wasbFromPolyaxon reads Polyaxon's schema: bucket is the uri.
func wasbFromPolyaxon(schema map[string]any, spec *tether.ConnectionSpec) error {
	bucket, ok := schema["bucket"].(string)
	if !ok || bucket == "" {
		return tether.Errorf(tether.EINVALID, "schema.bucket: required, a wasbs:// URL")
	}
	spec.URI = bucket
	return nil
}
