package conntype

import (
	"github.com/tether-ml/tether"
)

// hiveMetastoreType is a Hive metastore's Thrift service:
// thrift://metastore.example:9083. It has no password (Kerberos, where
// used, is the job's). HIVE_METASTORE_URIS is hive.metastore.uris, which
// Spark and Hive clients read.
func hiveMetastoreType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "hive_metastore", desc: "Hive metastore (Thrift)",
		example: "thrift://metastore.example:9083",
		schemes: []string{"thrift"}, port: 9083, hosts: dbManyHosts,
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			r.Env["HIVE_METASTORE_URIS"] = t.metastoreURIs()
		},
		airflow: []string{"hive_metastore"},
	})
}

// metastoreURIs lists the hosts as hive.metastore.uris does:
// thrift://h1:9083,thrift://h2:9083.
func (t *dbTarget) metastoreURIs() string {
	var s string
	for i, h := range t.hosts {
		if i > 0 {
			s += ","
		}
		s += "thrift://" + (&dbTarget{hosts: []dbHost{h}}).hostPort()
	}
	return s
}
