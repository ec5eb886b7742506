package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// hiveServer2Type is a HiveServer2, in PyHive's URL form:
// hive://hs2.example:10000/default (auth=LDAP, ... in the options).
// HIVE_JDBC_URL is the JDBC URL beeline -u takes (jdbc:hive2://...), with
// HIVE_USER and HIVE_PASSWORD for its -n and -p; DATABASE_URL is PyHive's
// (SQLAlchemy's) URL.
func hiveServer2Type() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "hive_server2", desc: "HiveServer2",
		example: "hive://hs2.example:10000/default",
		schemes: []string{"hive"}, port: 10000, hosts: dbOneHost,
		login: needOptional, secret: needOptional,
		env: renderHive, airflow: []string{"hiveserver2"},
	})
}

// renderHive renders a HiveServer2's address: HIVE_JDBC_URL, whose
// session variables are the uri's options, HIVE_USER and HIVE_PASSWORD.
func renderHive(t *dbTarget, r *tether.Rendering, _ string) {
	jdbc := "jdbc:hive2://" + t.hostPort() + "/" + t.path
	for _, k := range sortedKeys(t.options) {
		jdbc += ";" + k + "=" + strings.Join(t.options[k], ",")
	}
	r.Env["HIVE_JDBC_URL"] = jdbc
	setIf(r.Env, "HIVE_USER", t.user)
	setIf(r.Env, "HIVE_PASSWORD", t.pass)
}
