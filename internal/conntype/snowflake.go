package conntype

import (
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// snowflakeType is a Snowflake account: the uri's host is the account
// identifier (orgname-account, or account.region), its path the database
// and schema: snowflake://myorg-acct/analytics/public. The warehouse and
// role are parameters. snowsql reads the SNOWSQL_* variables; SNOWFLAKE_DSN
// is the DSN of Go's gosnowflake; DATABASE_URL is the URL of the
// Snowflake SQLAlchemy dialect.
func snowflakeType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "snowflake", desc: "Snowflake account",
		example:       "snowflake://myorg-account1/analytics/public",
		exampleParams: tether.Params{"warehouse": "compute_wh", "role": "analyst"},
		schemes:       []string{"snowflake"}, port: 443, hosts: dbOneHost,
		login: needRequired, secret: needRequired,
		params: []tether.Parameter{
			{Name: "warehouse", Description: "Virtual warehouse that runs the queries"},
			{Name: "role", Description: "Role the session uses, when not the user's default"},
		},
		check: func(t *dbTarget, p *tether.Problems) {
			if strings.Count(t.path, "/") > 1 || t.hosts[0].set {
				p.Add("spec.uri", "must be snowflake://ACCOUNT[/database[/schema]], without port")
			}
		},
		env: renderSnowflake, airflow: []string{"snowflake"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			db, schema, _ := strings.Cut(t.path, "/")
			a.Extra["account"], a.Host, a.Schema = t.hosts[0].name, "", schema
			if db != "" {
				a.Extra["database"] = db
			}
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			u.authority = u.opts.Get("account")
			u.path = strings.TrimSuffix(u.opts.Get("database")+"/"+a.Schema, "/")
			u.opts.Del("account")
			u.opts.Del("database")
			return nil
		},
	})
}

func renderSnowflake(t *dbTarget, r *tether.Rendering, _ string) {
	account, _ := t.host()
	db, schema, _ := strings.Cut(t.path, "/")
	r.Env["SNOWSQL_ACCOUNT"], r.Env["SNOWSQL_USER"], r.Env["SNOWSQL_PWD"] = account, t.user, t.pass
	setIf(r.Env, "SNOWSQL_DATABASE", db)
	setIf(r.Env, "SNOWSQL_SCHEMA", schema)
	setIf(r.Env, "SNOWSQL_WAREHOUSE", t.params["warehouse"])
	setIf(r.Env, "SNOWSQL_ROLE", t.params["role"])
	q := url.Values{}
	for k, v := range t.options {
		q[k] = v
	}
	setQuery(q, "warehouse", t.params["warehouse"])
	setQuery(q, "role", t.params["role"])
	dsn := url.UserPassword(t.user, t.pass).String() + "@" + account + "/" + escapePath(t.path)
	if enc := q.Encode(); enc != "" {
		dsn += "?" + enc
	}
	r.Env["SNOWFLAKE_DSN"] = dsn
	u := &url.URL{Scheme: "snowflake", User: t.userinfo(), Host: account, RawQuery: q.Encode()}
	if t.path != "" {
		u.Path = "/" + t.path
	}
	r.Env["DATABASE_URL"] = u.String()
}
