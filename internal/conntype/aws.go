package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// awsType is an AWS account's credentials without a bucket: keys, an
// optional session token and region, and an optional IAM role that
// Tether assumes with them (as for s3: jobs then get the role's temporary
// credentials, never the keys). Its rendering and exchange are s3's
// (awsRendering, exchangeS3) without the bucket's options.
func awsType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "aws",
		Description: "AWS credentials without a bucket: access keys, optionally a role to assume",
		Group:       tether.GroupCloud,
		URI:         "aws://<account id or alias>, e.g. aws://123456789012",
		Example: &tether.ConnectionSpec{Type: "aws", URI: "aws://123456789012", Region: "eu-central-1",
			KeyID: tether.Secret(b64("AKIAIOSFODNN7EXAMPLE")), KeySecret: tether.Secret(b64("wJalrXUtnFEMI/K7MDENG"))},
		Fields: []tether.Field{
			{Name: "region", Description: "Default AWS region, e.g. eu-central-1 (required with role)"},
			{Name: "keyID", Required: true, Secret: true, Base64: true,
				Description: "Access key ID (AWS_ACCESS_KEY_ID), base64-encoded"},
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: "Secret access key (AWS_SECRET_ACCESS_KEY), base64-encoded"},
			{Name: "role", Description: "IAM role ARN to assume with the keys (STS AssumeRole): jobs then get its temporary credentials"},
		},
		Parameters: []tether.Parameter{
			{Name: "sessionToken", Secret: true, Base64: true,
				Description: "Session token of temporary credentials (AWS_SESSION_TOKEN), base64-encoded"},
			{Name: "endpoint", Format: tether.FormatURL,
				Description: "Endpoint URL of an AWS-compatible API (AWS_ENDPOINT_URL), e.g. MinIO's for STS"},
			{Name: "durationSeconds", Description: "Lifetime of the role's temporary credentials, in seconds (900 to 43200)"},
			{Name: "externalId", Description: "External ID the role's trust policy requires"},
		},
		Check:    checkAWS,
		Render:   renderAWS,
		Exchange: exchangeS3,
		Formats:  []tether.FileFormat{awsCredentialsFormat()},
		Airflow:  &tether.AirflowForm{ConnTypes: []string{"aws"}, To: awsToAirflow, From: awsFromAirflow},
	}
}

// checkAWS checks the uri, the keys' text, the role and the region.
func checkAWS(s *tether.ConnectionSpec, p *tether.Problems) {
	if name, ok := strings.CutPrefix(s.URI, "aws://"); !ok || !isToken(name, 63) {
		if s.URI != "" {
			p.Add("spec.uri", "must be aws://<account id or alias>, e.g. aws://123456789012")
		}
	}
	checkDecodedText("spec.keyID", s.KeyID.Reveal(), p)
	checkDecodedText("spec.keySecret", s.KeySecret.Reveal(), p)
	checkDecodedText("spec.parameters.sessionToken", s.Parameters["sessionToken"], p)
	checkRole(s, p)
	if s.Role != "" && s.Region == "" {
		p.Add("spec.region", "required with spec.role (STS is called in it)")
	}
	if s.Parameters["endpoint"] == "" && s.Region != "" && clean(s.Region) && !awsRegionPattern.MatchString(s.Region) {
		p.Add("spec.region", "must be an AWS region such as eu-central-1")
	}
}

// renderAWS is s3's AWS rendering: the variables and the shared
// credentials and config files, with the endpoint, if any, for every
// service.
func renderAWS(c *tether.Connection, dir string) (*tether.Rendering, error) {
	ep := c.Spec.Parameters["endpoint"]
	extra := ""
	if ep != "" {
		extra = "endpoint_url = " + ep + "\n"
	}
	r := awsRendering(c, dir, c.Spec.Region, extra)
	setIf(r.Env, "AWS_ENDPOINT_URL", ep)
	return r, nil
}

// awsToAirflow gives what Airflow's AWS connection reads: the keys in
// login and password, and region, role, session token and endpoint in
// extra.
func awsToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	extra := map[string]any{}
	setAny(extra, "region_name", c.Spec.Region)
	setAny(extra, "role_arn", c.Spec.Role)
	setAny(extra, "aws_session_token", string(paramBytes(c, "sessionToken")))
	setAny(extra, "endpoint_url", c.Spec.Parameters["endpoint"])
	setAny(extra, "external_id", c.Spec.Parameters["externalId"])
	return &tether.AirflowConnection{ConnType: "aws", Description: c.Spec.Description,
		Login: string(secretBytes(c.Spec.KeyID)), Password: tether.Secret(secretBytes(c.Spec.KeySecret)), Extra: extra}, nil
}

func awsFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	if a.Login == "" || a.Password == "" {
		return nil, tether.Errorf(tether.EINVALID, "an Airflow aws connection needs the access keys in login and password")
	}
	str := func(k string) string { v, _ := a.Extra[k].(string); return v }
	s := &tether.ConnectionSpec{URI: "aws://default", Description: a.Description, Region: str("region_name"),
		Role: str("role_arn"), KeyID: b64Secret(a.Login), KeySecret: b64Secret(a.Password.Reveal())}
	params := tether.Params{}
	setIf(params, "sessionToken", string(b64Secret(str("aws_session_token"))))
	setIf(params, "endpoint", str("endpoint_url"))
	setIf(params, "externalId", str("external_id"))
	if len(params) > 0 {
		s.Parameters = params
	}
	return s, nil
}

// setAny sets m[k] to v when v is not empty.
func setAny(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}
