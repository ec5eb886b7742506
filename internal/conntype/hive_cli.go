package conntype

import (
	"github.com/tether-ml/tether"
)

// hiveCLIType is Hive used through its command line (Airflow's hive_cli:
// beeline against a HiveServer2), in PyHive's URL form:
// hive://hs2.example:10000/default. It renders as hive_server2 does.
func hiveCLIType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "hive_cli", desc: "Hive command line (beeline against a HiveServer2)",
		example: "hive://hs2.example:10000/default",
		schemes: []string{"hive"}, port: 10000, hosts: dbOneHost,
		login: needOptional, secret: needOptional,
		env: renderHive, airflow: []string{"hive_cli"},
		toAirflow: func(_ *dbTarget, a *tether.AirflowConnection) {
			a.Extra["use_beeline"] = true
		},
		fromAirflow: func(_ *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			u.opts.Del("use_beeline")
			return nil
		},
	})
}
