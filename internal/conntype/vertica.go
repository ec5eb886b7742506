package conntype

import (
	"strconv"

	"github.com/tether-ml/tether"
)

// verticaType is a Vertica database, in the URL form of Go's
// vertica-sql-go: vertica://host:5433/db. vsql reads VSQL_HOST, VSQL_PORT,
// VSQL_USER, VSQL_PASSWORD and VSQL_DATABASE; DATABASE_URL is the driver's
// URL, with the credentials.
func verticaType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "vertica", desc: "Vertica database",
		example: "vertica://db.example:5433/analytics",
		schemes: []string{"vertica"}, port: 5433, hosts: dbOneHost,
		login: needRequired, secret: needOptional,
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			host, port := t.host()
			r.Env["VSQL_HOST"], r.Env["VSQL_PORT"], r.Env["VSQL_USER"] = host, strconv.Itoa(port), t.user
			setIf(r.Env, "VSQL_PASSWORD", t.pass)
			setIf(r.Env, "VSQL_DATABASE", t.path)
		},
		airflow: []string{"vertica"},
	})
}
