package conntype

import (
	"strconv"

	"github.com/tether-ml/tether"
)

// mssqlType is a Microsoft SQL Server database, in the URL form of Go's
// go-mssqldb: sqlserver://host:1433?database=analytics (a path names an
// instance). sqlcmd reads SQLCMDSERVER, SQLCMDUSER, SQLCMDPASSWORD and
// SQLCMDDBNAME; DATABASE_URL is the driver's URL, with the credentials.
func mssqlType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "mssql", desc: "Microsoft SQL Server database",
		example: "sqlserver://db.example:1433?database=analytics",
		schemes: []string{"sqlserver"}, port: 1433, hosts: dbOneHost,
		login: needRequired, secret: needRequired,
		env: renderMSSQL, airflow: []string{"mssql"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			a.Schema = t.option("database")
			delete(a.Extra, "database")
			if t.path != "" {
				a.Extra["instance"] = t.path
			}
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			u.path = u.opts.Get("instance")
			u.opts.Del("instance")
			if a.Schema != "" {
				u.opts.Set("database", a.Schema)
			}
			return nil
		},
	})
}

func renderMSSQL(t *dbTarget, r *tether.Rendering, _ string) {
	host, port := t.host()
	server := "tcp:" + host + "," + strconv.Itoa(port)
	if t.path != "" && !t.hosts[0].set {
		server = host + `\` + t.path
	}
	r.Env["SQLCMDSERVER"], r.Env["SQLCMDUSER"], r.Env["SQLCMDPASSWORD"] = server, t.user, t.pass
	setIf(r.Env, "SQLCMDDBNAME", t.option("database"))
}
