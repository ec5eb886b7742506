package conntype

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/tether-ml/tether"
)

// gcsType is a Google Cloud Storage bucket reached with a service-account
// key. Odahu's rules: region and keySecret (the key's JSON) required, role
// rejected.
func gcsType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:  "gcs",
		Group: tether.GroupBlob,
		URI:   "gs://<bucket>[/path], e.g. gs://raw-data/model/input",
		Example: &tether.ConnectionSpec{
			URI: "gs://raw-data/model/input", Region: "us-central1",
			KeySecret:   tether.Secret(b64(exampleServiceAccount)),
			Description: "Training data of the churn model"},
		Description: "Google Cloud Storage bucket, reached with a service-account key",
		Fields: withOdahuFields([]tether.Field{
			{Name: "region", Required: true,
				Description: "GCP region of the bucket (or the GCP project), e.g. us-central1"},
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: "Service-account key JSON file, base64-encoded"},
		}, "role"),
		Parameters: []tether.Parameter{
			{Name: "endpoint", Format: tether.FormatURL,
				Description: "Endpoint URL of a Cloud Storage emulator (STORAGE_EMULATOR_HOST), " +
					"e.g. http://fake-gcs:4443; unset for Google Cloud Storage itself"},
		},
		Check:   checkGCS,
		Render:  renderGCS,
		Probe:   probeGCS,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"google_cloud_platform"}, To: gcsToAirflow, From: gcsFromAirflow},
		Polyaxon: &tether.PolyaxonForm{Kind: "gcs", Schema: bucketSchema, Spec: func(schema map[string]any, s *tether.ConnectionSpec) error {
			uri, err := bucketURI(schema, "gs", "gcs")
			s.URI = uri
			return err
		}},
	}
}

// gcsToAirflow is Airflow's google_cloud_platform connection: the key as
// keyfile_dict (its JSON text) and its project_id as project. Airflow's
// connection has no bucket: the uri's bucket and path go in the schema
// field, which Google's hooks do not use; the region and the emulator's
// endpoint have no place and are dropped.
func gcsToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	key := secretBytes(c.Spec.KeySecret)
	var sa struct {
		ProjectID string `json:"project_id"`
	}
	_ = json.Unmarshal(key, &sa)
	extra := map[string]any{"keyfile_dict": string(key)}
	nest(extra, sa.ProjectID, "project")
	_, bucket, _ := strings.Cut(c.Spec.URI, "://")
	return &tether.AirflowConnection{ConnType: "google_cloud_platform", Description: c.Spec.Description,
		Schema: bucket, Extra: extra}, nil
}

// gcsFromAirflow reads the key (keyfile_dict, as a string or an object,
// under its name or the older extra__google_cloud_platform__ one) and the
// bucket from the schema field; the region is the project (extra project,
// else the key's project_id).
func gcsFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	const what = "the Airflow google_cloud_platform connection"
	const old = "extra__google_cloud_platform__"
	key := a.Extra["keyfile_dict"]
	if key == nil {
		key = a.Extra[old+"keyfile_dict"]
	}
	var text []byte
	switch k := key.(type) {
	case string:
		text = []byte(k)
	case map[string]any:
		text, _ = json.Marshal(k)
	default:
		return nil, formError(what, "has no keyfile_dict in its extra: a key file path or the worker's own "+
			"credentials cannot be imported")
	}
	if a.Schema == "" {
		return nil, formError(what, "names no bucket: Tether reads it (bucket[/path]) from the schema field")
	}
	var sa struct {
		ProjectID string `json:"project_id"`
	}
	_ = json.Unmarshal(text, &sa)
	project := firstOf(extraString(a.Extra, "project"), extraString(a.Extra, old+"project"), sa.ProjectID)
	return &tether.ConnectionSpec{Type: "gcs", URI: "gs://" + a.Schema, Description: a.Description,
		Region: project, KeySecret: tether.Secret(b64(string(text)))}, nil
}

// checkGCS checks the uri, the region's form and that the key is a
// service-account key JSON.
func checkGCS(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := gcsURIProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	if s.Region != "" && clean(s.Region) && !gcpLocation(s.Region) {
		p.Add("spec.region", "must be a GCP region or project id: letters, digits and '-', e.g. us-central1")
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

// gcsURIProblem returns why uri is not gs://<bucket>[/path] or
// gcs://<bucket>[/path], or "".
func gcsURIProblem(uri string) string {
	const form = "must be gs://<bucket>[/path] or gcs://<bucket>[/path]"
	scheme, rest, ok := strings.Cut(uri, "://")
	switch {
	case ok && scheme == "gsc":
		return form + ` ("gsc://" is a typo of "gcs://")`
	case !ok || (scheme != "gs" && scheme != "gcs"):
		return form
	}
	bucket, path, _ := strings.Cut(rest, "/")
	if msg := gcsBucketProblem(bucket); msg != "" {
		return form + ": " + msg
	}
	if hasControl(path) {
		return "path " + msgControl
	}
	return ""
}

// gcsBucketProblem returns why name breaks the GCS bucket naming rules, or
// "".
func gcsBucketProblem(name string) string {
	const rule = "bucket names are 3 to 63 lowercase letters, digits, '-', '_' and '.' " +
		"(up to 222 with dots, 63 between dots), starting and ending with a letter or digit"
	switch {
	case name == "":
		return "the bucket name is missing"
	case len(name) < 3 || len(name) > 222 || !lowerAlnumEnds(name) ||
		strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "":
		return rule
	case !strings.Contains(name, ".") && len(name) > 63:
		return rule
	case isIPv4(name):
		return "bucket names must not look like an IP address"
	case strings.HasPrefix(name, "goog") || strings.Contains(name, "google"):
		return `bucket names must not start with "goog" or contain "google"`
	}
	for _, part := range strings.Split(name, ".") {
		if part == "" || len(part) > 63 {
			return rule
		}
	}
	return ""
}

// gcpLocation reports whether s looks like a GCP region, multi-region or
// project id.
func gcpLocation(s string) bool {
	if len(s) > 63 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
}

// renderGCS writes the service-account key file and points
// GOOGLE_APPLICATION_CREDENTIALS at it; the key's project_id becomes
// GOOGLE_CLOUD_PROJECT. An emulator's endpoint becomes
// STORAGE_EMULATOR_HOST, which Google's Cloud Storage client libraries
// (Go, Python, Java, Node.js) read, with its scheme.
func renderGCS(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	key := secretBytes(c.Spec.KeySecret)
	r.Files["key.json"] = key
	r.SetFileEnv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(dir, "key.json"))
	var sa struct {
		ProjectID string `json:"project_id"`
	}
	if json.Unmarshal(key, &sa) == nil {
		setIf(r.Env, "GOOGLE_CLOUD_PROJECT", sa.ProjectID)
		setIf(r.Env, "CLOUDSDK_CORE_PROJECT", sa.ProjectID)
	}
	setIf(r.Env, "STORAGE_EMULATOR_HOST", c.Spec.Parameters["endpoint"])
	return r, nil
}

// exampleServiceAccount is the service-account key of the type's example:
// the form of a real one, with made-up values.
const exampleServiceAccount = `{
  "type": "service_account",
  "project_id": "ml-project",
  "private_key_id": "0123456789abcdef",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
  "client_email": "trainer@ml-project.iam.gserviceaccount.com",
  "client_id": "123456789012345678901"
}`
