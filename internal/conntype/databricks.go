package conntype

import (
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// databricksType is a Databricks SQL warehouse or cluster, reached with a
// personal access token: the uri's host is the workspace's, its path the
// catalog and schema (databricks://adb-1234.5.azuredatabricks.net/main/
// default), the httpPath parameter the warehouse's. DATABRICKS_HOST and
// DATABRICKS_TOKEN are what the Databricks CLI and SDKs read,
// DATABRICKS_HTTP_PATH what the SQL connectors take; DATABRICKS_DSN is the
// DSN of Go's databricks-sql-go, DATABASE_URL the SQLAlchemy dialect's URL.
func databricksType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "databricks", desc: "Databricks SQL warehouse or cluster",
		example:       "databricks://adb-1234567890123456.7.azuredatabricks.net/main/default",
		exampleParams: tether.Params{"httpPath": "/sql/1.0/warehouses/abc123", "token": b64("dapi0123456789abcdef")},
		schemes:       []string{"databricks"}, port: 443, hosts: dbOneHost,
		params: []tether.Parameter{
			{Name: "httpPath", Required: true,
				Description: "HTTP path of the SQL warehouse or cluster, e.g. /sql/1.0/warehouses/abc123"},
			{Name: "token", Required: true, Secret: true, Base64: true,
				Description: "Personal access token (dapi...), base64-encoded"},
		},
		check: checkDatabricks, env: renderDatabricks, airflow: []string{"databricks"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			a.Password = tether.Secret(a.Extra["token"].(string))
			a.Extra["http_path"] = a.Extra["httpPath"]
			delete(a.Extra, "token")
			delete(a.Extra, "httpPath")
			catalog, schema, _ := strings.Cut(t.path, "/")
			a.Schema = schema
			if catalog != "" {
				a.Extra["catalog"] = catalog
			}
		},
		fromAirflow: fromAirflowDatabricks,
	})
}

// checkDatabricks checks the path and the token.
func checkDatabricks(t *dbTarget, p *tether.Problems) {
	if strings.Count(t.path, "/") > 1 {
		p.Add("spec.uri", "path must be /catalog or /catalog/schema")
	}
	if hp := t.params["httpPath"]; hp != "" && !strings.HasPrefix(hp, "/") {
		p.Add("spec.parameters.httpPath", "must be a path, starting with /")
	}
	checkDecodedText("spec.parameters.token", t.params["token"], p)
}

func renderDatabricks(t *dbTarget, r *tether.Rendering, _ string) {
	token, _ := decoded(t.params["token"])
	host := t.hostPort()
	r.Env["DATABRICKS_HOST"] = "https://" + strings.TrimSuffix(host, ":443")
	r.Env["DATABRICKS_TOKEN"], r.Env["DATABRICKS_HTTP_PATH"] = string(token), t.params["httpPath"]
	catalog, schema, _ := strings.Cut(t.path, "/")
	q := url.Values{}
	setQuery(q, "catalog", catalog)
	setQuery(q, "schema", schema)
	dsn := &url.URL{User: url.UserPassword("token", string(token)), Host: host,
		Path: t.params["httpPath"], RawQuery: q.Encode()}
	r.Env["DATABRICKS_DSN"] = strings.TrimPrefix(dsn.String(), "//")
	for k, v := range t.options {
		q[k] = v
	}
	q.Set("http_path", t.params["httpPath"])
	u := &url.URL{Scheme: "databricks", User: url.UserPassword("token", string(token)), Host: host, RawQuery: q.Encode()}
	r.Env["DATABASE_URL"] = u.String()
}

// fromAirflowDatabricks takes the token from the password, and the
// catalog and the HTTP path from the extra.
func fromAirflowDatabricks(a *tether.AirflowConnection, u *airflowURI, s *tether.ConnectionSpec) error {
	if s.Password != "" {
		s.Parameters["token"], s.Password = s.Password.Reveal(), ""
	}
	if hp := u.opts.Get("http_path"); hp != "" {
		s.Parameters["httpPath"] = hp
	}
	catalog := u.opts.Get("catalog")
	u.opts.Del("http_path")
	u.opts.Del("catalog")
	u.path = strings.TrimSuffix(catalog+"/"+a.Schema, "/")
	s.Username = ""
	return nil
}
