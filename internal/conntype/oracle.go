package conntype

import (
	"strconv"

	"github.com/tether-ml/tether"
)

// oracleType is an Oracle database, by service name, in the URL form of
// Go's go-ora: oracle://host:1521/SERVICE. TWO_TASK is the Easy Connect
// string (host:port/service) that sqlplus connects to by default;
// DATABASE_URL is go-ora's URL, with the credentials.
func oracleType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "oracle", desc: "Oracle database (by service name)",
		example: "oracle://db.example:1521/ORCLPDB1",
		schemes: []string{"oracle"}, port: 1521, hosts: dbOneHost,
		login: needRequired, secret: needRequired,
		check: func(t *dbTarget, p *tether.Problems) {
			if t.path == "" {
				p.Add("spec.uri", "must name the service: oracle://host:1521/SERVICE")
			}
		},
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			host, port := t.host()
			r.Env["TWO_TASK"] = host + ":" + strconv.Itoa(port) + "/" + t.path
			r.Env["ORACLE_USER"], r.Env["ORACLE_PASSWORD"] = t.user, t.pass
		},
		airflow: []string{"oracle"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			a.Extra["service_name"], a.Schema = t.path, ""
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			if sn := u.opts.Get("service_name"); sn != "" {
				u.path = sn
				u.opts.Del("service_name")
			}
			return nil
		},
	})
}
