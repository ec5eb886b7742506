package conntype

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/tether-ml/tether"
)

// customType is a free-form connection: any parameters, of which
// spec.secretKeys names the secret ones (sealed and masked like a schema's
// secret parameters). The uri is free text that says what it reaches.
func customType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "custom",
		Description: "Free-form connection: any parameters, those named in secretKeys secret",
		Group:       tether.GroupCustom,
		URI:         "what the connection reaches, free text, e.g. https://internal.example.com/feature-store",
		Example: &tether.ConnectionSpec{Type: "custom", URI: "https://features.example.com",
			Parameters: tether.Params{"FEATURE_STORE_PROJECT": "churn", "FEATURE_STORE_TOKEN": "s3cr3t"},
			SecretKeys: []string{"FEATURE_STORE_TOKEN"}},
		FreeParameters: true,
		Check:          checkCustom,
		Render:         renderCustom,
		Airflow:        &tether.AirflowForm{ConnTypes: []string{"generic"}, To: customToAirflow, From: customFromAirflow},
	}
}

// checkCustom checks that the uri is clean text and that no two
// parameters render as one variable.
func checkCustom(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" && (hasControl(s.URI) || strings.TrimSpace(s.URI) != s.URI) {
		p.Add("spec.uri", "must be text without control characters or surrounding spaces")
	}
	seen := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(s.Parameters)) {
		v := envName(k)
		if prev, dup := seen[v]; dup && isToken(k, 64) {
			p.Add(paramPath(k), "renders as variable "+v+", as parameter "+prev+" does")
		}
		seen[v] = k
	}
}

// nonEnv matches what a variable name cannot hold.
var nonEnv = regexp.MustCompile(`[^A-Z0-9_]`)

// envName is the variable a parameter renders as: upper case, with '.'
// and '-' as '_', and a leading digit prefixed by '_'.
func envName(key string) string {
	v := nonEnv.ReplaceAllString(strings.ToUpper(key), "_")
	if v != "" && v[0] >= '0' && v[0] <= '9' {
		v = "_" + v
	}
	return v
}

// renderCustom gives each parameter as a variable (envName) and the uri as
// CONNECTION_URI.
func renderCustom(c *tether.Connection, _ string) (*tether.Rendering, error) {
	r := newRendering()
	for k, v := range c.Spec.Parameters {
		setIf(r.Env, envName(k), v)
	}
	r.Env["CONNECTION_URI"] = c.Spec.URI
	return r, nil
}

// customToAirflow gives Airflow's generic connection: host is the uri,
// every parameter is in extra (secrets in plain text, as Airflow keeps
// them), and the secret keys are listed under tether_secret_keys so that
// an import keeps them secret.
func customToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	extra := map[string]any{}
	for k, v := range c.Spec.Parameters {
		extra[k] = v
	}
	if len(c.Spec.SecretKeys) > 0 {
		extra["tether_secret_keys"] = slices.Clone(c.Spec.SecretKeys)
	}
	return &tether.AirflowConnection{ConnType: "generic", Description: c.Spec.Description, Host: c.Spec.URI, Extra: extra}, nil
}

// customFromAirflow reads a generic connection: extra's keys become
// parameters; login and password, if set, the parameters login and
// password. Secret are password, the keys tether_secret_keys lists, and
// any key whose name says it holds a secret (password, secret, token, key).
func customFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	s := &tether.ConnectionSpec{URI: a.Host, Description: a.Description, Parameters: tether.Params{}}
	if s.URI == "" {
		s.URI = "airflow:" + a.ConnType
	}
	declared := map[string]bool{}
	if list, ok := a.Extra["tether_secret_keys"].([]any); ok {
		for _, k := range list {
			if k, ok := k.(string); ok {
				declared[k] = true
			}
		}
	}
	for k := range a.Extra {
		if v := airflowExtra(a, k); k != "tether_secret_keys" && v != "" {
			s.Parameters[k] = v
		}
	}
	setIf(s.Parameters, "login", a.Login)
	setIf(s.Parameters, "password", a.Password.Reveal())
	for _, k := range slices.Sorted(maps.Keys(s.Parameters)) {
		if declared[k] || k == "password" || looksSecret(k) {
			s.SecretKeys = append(s.SecretKeys, k)
		}
	}
	return s, nil
}

// looksSecret reports whether a key's name says it holds a secret.
func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"password", "secret", "token", "key", "credential"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
