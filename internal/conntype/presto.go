package conntype

import (
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// prestoType is a Presto (or Trino) coordinator, in PyHive's URL form:
// presto://host:8080/catalog[/schema]; protocol=https in the options for
// TLS, which a password needs. PRESTO_PASSWORD is what the presto CLI reads
// for --password; PRESTO_DSN is the DSN of Go's trino-go-client;
// DATABASE_URL is PyHive's (SQLAlchemy's) URL.
func prestoType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "presto", desc: "Presto or Trino coordinator",
		example: "presto://presto.example:8080/hive/default",
		schemes: []string{"presto"}, port: 8080, hosts: dbOneHost,
		login: needRequired, secret: needOptional,
		check: func(t *dbTarget, p *tether.Problems) {
			if strings.Count(t.path, "/") > 1 {
				p.Add("spec.uri", "path must be /catalog or /catalog/schema")
			}
		},
		env: renderPresto, airflow: []string{"presto"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			catalog, schema, _ := strings.Cut(t.path, "/")
			a.Schema = schema
			if catalog != "" {
				a.Extra["catalog"] = catalog
			}
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			catalog := u.opts.Get("catalog")
			u.opts.Del("catalog")
			u.path = strings.TrimSuffix(catalog+"/"+a.Schema, "/")
			if catalog == "" && a.Schema != "" {
				return tether.Errorf(tether.EINVALID, "the Airflow presto connection has a schema but no catalog in its extra")
			}
			return nil
		},
	})
}

func renderPresto(t *dbTarget, r *tether.Rendering, _ string) {
	setIf(r.Env, "PRESTO_PASSWORD", t.pass)
	scheme := "http"
	if t.pass != "" || t.option("protocol") == "https" {
		scheme = "https"
	}
	catalog, schema, _ := strings.Cut(t.path, "/")
	q := url.Values{}
	for k, v := range t.options {
		if k != "protocol" {
			q[k] = v
		}
	}
	setQuery(q, "catalog", catalog)
	setQuery(q, "schema", schema)
	u := &url.URL{Scheme: scheme, User: t.userinfo(), Host: t.hostPort(), RawQuery: q.Encode()}
	r.Env["PRESTO_DSN"] = u.String()
}

// setQuery sets q's key to v when v is not empty.
func setQuery(q url.Values, key, v string) {
	if v != "" {
		q.Set(key, v)
	}
}
