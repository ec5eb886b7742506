package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// jdbcType is a database reached through a JDBC driver: the uri is the
// JDBC URL, jdbc:<subprotocol>:..., passed on as it is, without
// credentials (no password= property, no user:password@). JDBC_URL,
// JDBC_USER, JDBC_PASSWORD and JDBC_DRIVER_CLASS are what
// DriverManager.getConnection and JayDeBeApi take; DATABASE_URL is the JDBC
// URL.
func jdbcType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "jdbc", desc: "Database reached through a JDBC driver",
		example:       "jdbc:postgresql://db.example:5432/analytics",
		exampleParams: tether.Params{"driverClass": "org.postgresql.Driver"},
		hosts:         dbOpaque, login: needOptional, secret: needOptional,
		params: []tether.Parameter{
			{Name: "driverClass", Description: "Driver class, e.g. org.postgresql.Driver"},
			{Name: "driverPath", Description: "Path of the driver's jar where the job runs"},
		},
		check: checkJDBC,
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			r.Env["JDBC_URL"] = t.uri
			setIf(r.Env, "JDBC_USER", t.user)
			setIf(r.Env, "JDBC_PASSWORD", t.pass)
			setIf(r.Env, "JDBC_DRIVER_CLASS", t.params["driverClass"])
		},
		airflow: []string{"jdbc"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			a.Host = t.uri
			renameExtra(a.Extra, "driverClass", "driver_class")
			renameExtra(a.Extra, "driverPath", "driver_path")
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, s *tether.ConnectionSpec) error {
			s.URI = a.Host
			setIf(s.Parameters, "driverClass", u.opts.Get("driver_class"))
			setIf(s.Parameters, "driverPath", u.opts.Get("driver_path"))
			return nil
		},
	})
}

// jdbcPrefix matches the start of a JDBC URL: jdbc:<subprotocol>:.
var jdbcPrefix = tether.NewPattern(`^jdbc:[a-zA-Z0-9_-]+:`)

// checkJDBC checks the JDBC URL's prefix, and that it holds no password.
func checkJDBC(t *dbTarget, p *tether.Problems) {
	lower := strings.ToLower(t.uri)
	switch {
	case !jdbcPrefix.MatchString(t.uri):
		p.Add("spec.uri", "must be a JDBC URL: jdbc:<subprotocol>:..., e.g. jdbc:postgresql://host:5432/db")
	case strings.Contains(lower, "password="):
		p.Add("spec.uri", "must not carry a password (password=): give it in spec.password, which is kept secret")
	case jdbcUserinfo(t.uri):
		p.Add("spec.uri", "must not carry credentials (user:password@ or user/password@): "+
			"give them in spec.username and spec.password")
	}
}

// jdbcUserinfo reports whether a JDBC URL embeds user:password@ (after //)
// or Oracle's user/password@.
func jdbcUserinfo(uri string) bool {
	at := strings.IndexByte(uri, '@')
	if at < 0 {
		return false
	}
	before := uri[:at]
	if i := strings.LastIndex(before, "//"); i >= 0 {
		return strings.Contains(before[i+2:], ":")
	}
	return strings.Contains(before[strings.LastIndexByte(before, ':')+1:], "/")
}

// renameExtra renames an Airflow extra key.
func renameExtra(extra map[string]any, from, to string) {
	if v, ok := extra[from]; ok {
		extra[to] = v
		delete(extra, from)
	}
}
