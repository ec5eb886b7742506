package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// sqliteType is an SQLite database file: sqlite:///data/app.db names the
// file /data/app.db. It has no server and no credentials. SQLITE_PATH is
// the file's path; DATABASE_URL is SQLAlchemy's form of it
// (sqlite:////data/app.db).
func sqliteType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "sqlite", desc: "SQLite database file",
		example: "sqlite:///data/app.db",
		schemes: []string{"sqlite"}, hosts: dbNoHost,
		check: func(t *dbTarget, p *tether.Problems) {
			if t.path == "" || strings.HasSuffix(t.path, "/") {
				p.Add("spec.uri", "must name a file: sqlite:///absolute/path")
			}
		},
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			r.Env["SQLITE_PATH"] = "/" + t.path
			r.Env["DATABASE_URL"] = "sqlite:///" + escapePath("/"+t.path)
		},
		airflow: []string{"sqlite"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			a.Host, a.Schema = "/"+t.path, ""
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			if !strings.HasPrefix(a.Host, "/") {
				return tether.Errorf(tether.EINVALID, "the Airflow sqlite connection's host must be the database file's absolute path")
			}
			u.authority, u.path = "", strings.TrimPrefix(a.Host, "/")
			return nil
		},
	})
}
