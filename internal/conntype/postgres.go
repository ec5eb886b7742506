package conntype

import (
	"strconv"

	"github.com/tether-ml/tether"
)

// postgresType is a PostgreSQL database. Its rendering is what libpq (psql,
// psycopg) reads: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, and the
// libpq variables of the uri's options (sslmode=require gives PGSSLMODE);
// DATABASE_URL is the libpq URL that pgx and psycopg take.
func postgresType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "postgres", desc: "PostgreSQL database",
		example: "postgres://db.example:5432/analytics?sslmode=require",
		schemes: []string{"postgres", "postgresql"}, port: 5432, hosts: dbOneHost,
		login: needRequired, secret: needOptional,
		passDoc: "Password of the login, base64-encoded (none for trust or certificate authentication)",
		env:     renderPostgres, airflow: []string{"postgres"},
	})
}

// pgOptionEnv maps libpq's URL options to the variables libpq reads.
var pgOptionEnv = map[string]string{
	"sslmode": "PGSSLMODE", "application_name": "PGAPPNAME", "connect_timeout": "PGCONNECT_TIMEOUT",
	"options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS",
	"sslnegotiation": "PGSSLNEGOTIATION", "gssencmode": "PGGSSENCMODE", "channel_binding": "PGCHANNELBINDING",
}

func renderPostgres(t *dbTarget, r *tether.Rendering, _ string) {
	host, port := t.host()
	r.Env["PGHOST"], r.Env["PGPORT"], r.Env["PGUSER"] = host, strconv.Itoa(port), t.user
	setIf(r.Env, "PGPASSWORD", t.pass)
	setIf(r.Env, "PGDATABASE", t.path)
	for opt, name := range pgOptionEnv {
		setIf(r.Env, name, t.option(opt))
	}
}
