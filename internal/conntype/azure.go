package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// azureType is an Azure service principal (tenant, client id and secret)
// for a subscription, without a container: what azure-identity's
// EnvironmentCredential and the Azure CLI's service-principal login read.
func azureType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "azure",
		Description: "Azure service principal (tenant, client id and secret) for a subscription",
		Group:       tether.GroupCloud,
		URI:         "azure://<subscription id>, e.g. azure://00000000-0000-0000-0000-000000000000",
		Example: &tether.ConnectionSpec{Type: "azure", URI: "azure://11111111-2222-3333-4444-555555555555",
			Username: "66666666-7777-8888-9999-000000000000", Password: tether.Secret(b64("client~secret")),
			Parameters: tether.Params{"tenantId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}},
		Fields: []tether.Field{
			{Name: "username", Required: true, Description: "Client (application) id of the service principal"},
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "Client secret of the service principal, base64-encoded"},
		},
		Parameters: []tether.Parameter{
			{Name: "tenantId", Required: true, Description: "Directory (tenant) id"},
			{Name: "authorityHost", Format: tether.FormatURL,
				Description: "Microsoft Entra authority of a national cloud, e.g. https://login.microsoftonline.us"},
		},
		Check:   checkAzure,
		Render:  renderAzure,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"azure"}, To: azureToAirflow, From: azureFromAirflow},
	}
}

// azureIDPattern matches Azure's GUIDs (tenant, client and subscription
// ids).
var azureIDPattern = tether.NewPattern(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkAzure(s *tether.ConnectionSpec, p *tether.Problems) {
	if sub, ok := strings.CutPrefix(s.URI, "azure://"); s.URI != "" && (!ok || !azureIDPattern.MatchString(sub)) {
		p.Add("spec.uri", "must be azure://<subscription id>, the id a GUID")
	}
	if s.Username != "" && clean(s.Username) && !azureIDPattern.MatchString(s.Username) {
		p.Add("spec.username", "must be the client id, a GUID")
	}
	if t := s.Parameters["tenantId"]; t != "" && clean(t) && !azureIDPattern.MatchString(t) && !validDNSName(t) {
		p.Add("spec.parameters.tenantId", "must be the tenant id (a GUID) or its domain (contoso.onmicrosoft.com)")
	}
	checkDecodedText("spec.password", s.Password.Reveal(), p)
}

// renderAzure gives EnvironmentCredential's variables and the
// subscription.
func renderAzure(c *tether.Connection, _ string) (*tether.Rendering, error) {
	r := newRendering()
	r.Env["AZURE_TENANT_ID"] = c.Spec.Parameters["tenantId"]
	r.Env["AZURE_CLIENT_ID"], r.Env["AZURE_CLIENT_SECRET"] = userPassword(c)
	r.Env["AZURE_SUBSCRIPTION_ID"] = strings.TrimPrefix(c.Spec.URI, "azure://")
	setIf(r.Env, "AZURE_AUTHORITY_HOST", c.Spec.Parameters["authorityHost"])
	return r, nil
}

// azureToAirflow gives what Airflow's AzureBaseHook reads: the client id
// and secret in login and password, tenantId and subscriptionId in extra.
func azureToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	user, secret := userPassword(c)
	return &tether.AirflowConnection{ConnType: "azure", Description: c.Spec.Description, Login: user,
		Password: tether.Secret(secret), Extra: map[string]any{"tenantId": c.Spec.Parameters["tenantId"],
			"subscriptionId": strings.TrimPrefix(c.Spec.URI, "azure://")}}, nil
}

func azureFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	tenant, sub := airflowExtra(a, "tenantId"), airflowExtra(a, "subscriptionId")
	if a.Login == "" || a.Password == "" || tenant == "" || sub == "" {
		return nil, tether.Errorf(tether.EINVALID, "an Airflow azure connection needs login, password, and tenantId and subscriptionId in extra")
	}
	return &tether.ConnectionSpec{URI: "azure://" + sub, Description: a.Description, Username: a.Login,
		Password: b64Secret(a.Password.Reveal()), Parameters: tether.Params{"tenantId": tenant}}, nil
}
