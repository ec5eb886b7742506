package conntype_test

import (
	"github.com/tether-ml/tether"
)

// dbExamples are valid connections of the database kinds: uri, username,
// password (plain) and parameters.
var dbExamples = map[string]struct {
	uri, user, pass string
	params          tether.Params
}{
	"postgres":       {uri: "postgres://db.example:5432/analytics?sslmode=require", user: "etl", pass: "p@ss:w/rd %1"},
	"mysql":          {uri: "mysql://db.example:3306/analytics?tls=true", user: "etl", pass: "p@ss:w/rd %1"},
	"mssql":          {uri: "sqlserver://db.example:1433?database=analytics", user: "etl", pass: "p@ss:w/rd %1"},
	"oracle":         {uri: "oracle://db.example:1521/ORCLPDB1", user: "etl", pass: "p@ss:w/rd %1"},
	"vertica":        {uri: "vertica://db.example:5433/analytics", user: "etl", pass: "p@ss:w/rd %1"},
	"sqlite":         {uri: "sqlite:///data/app.db"},
	"redis":          {uri: "redis://cache.example:6379/2", pass: "p@ss:w/rd %1"},
	"presto":         {uri: "presto://presto.example:8443/hive/default?protocol=https", user: "etl", pass: "p@ss:w/rd %1"},
	"mongo":          {uri: "mongodb://mongo-0.example:27017,mongo-1.example:27018/analytics?replicaSet=rs0", user: "etl", pass: "p@ss:w/rd %1"},
	"cassandra":      {uri: "cassandra://node-0.example:9042,node-1.example:9042/analytics", user: "etl", pass: "p@ss:w/rd %1"},
	"snowflake":      {uri: "snowflake://myorg-account1/analytics/public", user: "etl", pass: "p@ss:w/rd %1", params: tether.Params{"warehouse": "compute_wh", "role": "analyst"}},
	"databricks":     {uri: "databricks://adb-1234567890123456.7.azuredatabricks.net/main/default", params: tether.Params{"httpPath": "/sql/1.0/warehouses/abc123", "token": b64("dapi0123456789abcdef")}},
	"hive_metastore": {uri: "thrift://metastore.example:9083"},
	"hive_server2":   {uri: "hive://hs2.example:10000/default?auth=LDAP", user: "etl", pass: "p@ss:w/rd %1"},
	"hive_cli":       {uri: "hive://hs2.example:10000/default", user: "etl"},
	"pig_cli":        {uri: "hdfs://namenode.example:8020", user: "etl"},
	"jdbc":           {uri: "jdbc:postgresql://db.example:5432/analytics", user: "etl", pass: "p@ss:w/rd %1", params: tether.Params{"driverClass": "org.postgresql.Driver"}},
	"cloudant":       {uri: "https://myaccount.cloudantnosqldb.appdomain.cloud/analytics", user: "etl", pass: "p@ss:w/rd %1"},
	"hdfs":           {uri: "hdfs://namenode.example:8020", user: "etl"},
}

// validDBConn fills s with the example of a database kind, and reports
// whether typ is one.
func validDBConn(typ string, s *tether.ConnectionSpec) bool {
	ex, ok := dbExamples[typ]
	if !ok {
		return false
	}
	s.URI, s.Username = ex.uri, ex.user
	for k, v := range ex.params {
		if s.Parameters == nil {
			s.Parameters = tether.Params{}
		}
		s.Parameters[k] = v
	}
	if ex.pass != "" {
		s.Password = tether.Secret(b64(ex.pass))
	}
	return true
}
