package conntype

import (
	"encoding/json"
	"strings"

	"github.com/tether-ml/tether"
)

// gcpType is a Google Cloud service account's key, for a project, without
// a bucket.
func gcpType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "gcp",
		Description: "Google Cloud service-account key for a project, without a bucket",
		Group:       tether.GroupCloud,
		URI:         "gcp://<project id>, e.g. gcp://my-project",
		Example: &tether.ConnectionSpec{Type: "gcp", URI: "gcp://project-id",
			KeySecret: tether.Secret(b64(`{"type": "service_account", "project_id": "project-id",
 "private_key": "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n",
 "client_email": "reader@project-id.iam.gserviceaccount.com"}`))},
		Fields: []tether.Field{
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: "Service-account key (the JSON file), base64-encoded"},
		},
		Check:   checkGCP,
		Render:  renderGCP,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"google_cloud_platform"}, To: gcpToAirflow, From: gcpFromAirflow},
	}
}

// checkGCP checks the project id and that the key is a service-account
// key JSON.
func checkGCP(s *tether.ConnectionSpec, p *tether.Problems) {
	if project, ok := strings.CutPrefix(s.URI, "gcp://"); s.URI != "" && (!ok || !gcpLocation(project)) {
		p.Add("spec.uri", "must be gcp://<project id>: letters, digits and '-', e.g. gcp://my-project")
	}
	if key, ok := decoded(s.KeySecret.Reveal()); ok {
		var sa map[string]any
		if json.Unmarshal(key, &sa) != nil {
			p.Add("spec.keySecret", "must be a base64-encoded service-account key (a JSON object)")
		} else if t, _ := sa["type"].(string); t == "" {
			p.Add("spec.keySecret", `must be a service-account key: its JSON has no "type" (e.g. "service_account")`)
		}
	}
}

// renderGCP writes the key file that Google's client libraries
// (GOOGLE_APPLICATION_CREDENTIALS) and gcloud
// (CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE) read, and names the project.
func renderGCP(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	r.Files["key.json"] = secretBytes(c.Spec.KeySecret)
	r.SetFileEnv("GOOGLE_APPLICATION_CREDENTIALS", dirPath(dir, "key.json"))
	r.SetFileEnv("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", dirPath(dir, "key.json"))
	project := strings.TrimPrefix(c.Spec.URI, "gcp://")
	r.Env["GOOGLE_CLOUD_PROJECT"], r.Env["CLOUDSDK_CORE_PROJECT"] = project, project
	return r, nil
}

// gcpToAirflow gives what Airflow's Google provider reads: the key as
// keyfile_dict and the project, in extra.
func gcpToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	return &tether.AirflowConnection{ConnType: "google_cloud_platform", Description: c.Spec.Description,
		Extra: map[string]any{"keyfile_dict": string(secretBytes(c.Spec.KeySecret)),
			"project": strings.TrimPrefix(c.Spec.URI, "gcp://")}}, nil
}

// gcpFromAirflow reads keyfile_dict (a JSON string or object, under its
// name or the older extra__google_cloud_platform__ one) and the project
// (extra's, or else the key's).
func gcpFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	key, project := airflowExtra(a, "keyfile_dict"), airflowExtra(a, "project")
	if key == "" {
		return nil, tether.Errorf(tether.EINVALID, "an Airflow google_cloud_platform connection needs keyfile_dict in extra")
	}
	if project == "" {
		var sa struct {
			ProjectID string `json:"project_id"`
		}
		_ = json.Unmarshal([]byte(key), &sa)
		project = sa.ProjectID
	}
	return &tether.ConnectionSpec{URI: "gcp://" + project, Description: a.Description, KeySecret: b64Secret(key)}, nil
}

// airflowExtra returns Airflow's extra[name], or its older prefixed form
// extra__<conn_type>__name, as text: an object is JSON-encoded.
func airflowExtra(a *tether.AirflowConnection, name string) string {
	v, ok := a.Extra[name]
	if !ok {
		v = a.Extra["extra__"+a.ConnType+"__"+name]
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
