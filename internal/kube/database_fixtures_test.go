package kube_test

import "github.com/tether-ml/tether"

// dbFixtures are valid connections of the database kinds: uri, username,
// password (plain) and parameters.
var dbFixtures = map[string]struct {
	uri, user, pass string
	params          tether.Params
}{
	"postgres":       {uri: "postgres://db.example:5432/analytics", user: "etl", pass: "db-secret"},
	"mysql":          {uri: "mysql://db.example:3306/analytics", user: "etl", pass: "db-secret"},
	"mssql":          {uri: "sqlserver://db.example?database=analytics", user: "etl", pass: "db-secret"},
	"oracle":         {uri: "oracle://db.example/ORCLPDB1", user: "etl", pass: "db-secret"},
	"vertica":        {uri: "vertica://db.example/analytics", user: "etl", pass: "db-secret"},
	"sqlite":         {uri: "sqlite:///data/app.db"},
	"redis":          {uri: "redis://cache.example/0", pass: "db-secret"},
	"presto":         {uri: "presto://presto.example/hive/default", user: "etl", pass: "db-secret"},
	"mongo":          {uri: "mongodb://mongo.example/analytics", user: "etl", pass: "db-secret"},
	"cassandra":      {uri: "cassandra://node-0.example,node-1.example/analytics", user: "etl", pass: "db-secret"},
	"snowflake":      {uri: "snowflake://myorg-account1/analytics", user: "etl", pass: "db-secret"},
	"databricks":     {uri: "databricks://adb-1.azuredatabricks.net", params: tether.Params{"httpPath": "/sql/1.0/warehouses/a", "token": b64("dapi-secret")}},
	"hive_metastore": {uri: "thrift://metastore.example:9083"},
	"hive_server2":   {uri: "hive://hs2.example/default", user: "etl", pass: "db-secret"},
	"hive_cli":       {uri: "hive://hs2.example/default", user: "etl"},
	"pig_cli":        {uri: "hdfs://namenode.example:8020", user: "etl"},
	"jdbc":           {uri: "jdbc:postgresql://db.example/analytics", user: "etl", pass: "db-secret"},
	"cloudant":       {uri: "https://acct.cloudantnosqldb.appdomain.cloud", user: "etl", pass: "db-secret"},
	"hdfs":           {uri: "webhdfs://namenode.example:9870", user: "etl", pass: "db-secret"},
}

// dbFixture fills s with the fixture of a database kind, and reports
// whether typ is one.
func dbFixture(typ string, s *tether.ConnectionSpec) bool {
	f, ok := dbFixtures[typ]
	if !ok {
		return false
	}
	s.URI, s.Username, s.Parameters = f.uri, f.user, f.params
	if f.pass != "" {
		s.Password = tether.Secret(b64(f.pass))
	}
	return true
}
