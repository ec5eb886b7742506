package conntype_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tether-ml/tether/internal/conntype"
)

// dbPasswordURL is dbPassword as a URL's userinfo carries it.
const dbPasswordURL = "p%40ss%3Aw%2Frd%20%251"

// dbRenderings are the variables each database kind's example renders
// (dbExamples), all of them but the ones named in dbRenderedElsewhere.
var dbRenderings = map[string]map[string]string{
	"postgres": {"PGHOST": "db.example", "PGPORT": "5432", "PGUSER": "etl", "PGPASSWORD": dbPassword,
		"PGDATABASE": "analytics", "PGSSLMODE": "require",
		"DATABASE_URL": "postgres://etl:" + dbPasswordURL + "@db.example:5432/analytics?sslmode=require"},
	"mysql": {"MYSQL_HOST": "db.example", "MYSQL_TCP_PORT": "3306", "MYSQL_PWD": dbPassword,
		"MYSQL_HOME": "/conn", "MYSQL_DSN": "etl:" + dbPassword + "@tcp(db.example:3306)/analytics?tls=true",
		"DATABASE_URL": "mysql://etl:" + dbPasswordURL + "@db.example:3306/analytics?tls=true"},
	"mssql": {"SQLCMDSERVER": "tcp:db.example,1433", "SQLCMDUSER": "etl", "SQLCMDPASSWORD": dbPassword,
		"SQLCMDDBNAME": "analytics", "DATABASE_URL": "sqlserver://etl:" + dbPasswordURL + "@db.example:1433?database=analytics"},
	"oracle": {"TWO_TASK": "db.example:1521/ORCLPDB1", "ORACLE_USER": "etl", "ORACLE_PASSWORD": dbPassword,
		"DATABASE_URL": "oracle://etl:" + dbPasswordURL + "@db.example:1521/ORCLPDB1"},
	"vertica": {"VSQL_HOST": "db.example", "VSQL_PORT": "5433", "VSQL_USER": "etl", "VSQL_PASSWORD": dbPassword,
		"VSQL_DATABASE": "analytics", "DATABASE_URL": "vertica://etl:" + dbPasswordURL + "@db.example:5433/analytics"},
	"sqlite": {"SQLITE_PATH": "/data/app.db", "DATABASE_URL": "sqlite:////data/app.db"},
	"redis": {"REDIS_HOST": "cache.example", "REDIS_PORT": "6379", "REDISCLI_AUTH": dbPassword,
		"REDIS_URL":    "redis://default:" + dbPasswordURL + "@cache.example:6379/2",
		"DATABASE_URL": "redis://default:" + dbPasswordURL + "@cache.example:6379/2"},
	"presto": {"PRESTO_PASSWORD": dbPassword,
		"PRESTO_DSN":   "https://etl:" + dbPasswordURL + "@presto.example:8443?catalog=hive&schema=default",
		"DATABASE_URL": "presto://etl:" + dbPasswordURL + "@presto.example:8443/hive/default?protocol=https"},
	"mongo": {
		"MONGODB_URI":  "mongodb://etl:" + dbPasswordURL + "@mongo-0.example:27017,mongo-1.example:27018/analytics?replicaSet=rs0",
		"DATABASE_URL": "mongodb://etl:" + dbPasswordURL + "@mongo-0.example:27017,mongo-1.example:27018/analytics?replicaSet=rs0"},
	"cassandra": {"CQLSH_HOST": "node-0.example", "CQLSH_PORT": "9042",
		"CASSANDRA_CONTACT_POINTS": "node-0.example,node-1.example", "CASSANDRA_PORT": "9042",
		"CASSANDRA_KEYSPACE": "analytics", "CASSANDRA_USERNAME": "etl", "CASSANDRA_PASSWORD": dbPassword,
		"DATABASE_URL": "cassandra://etl:" + dbPasswordURL + "@node-0.example:9042,node-1.example:9042/analytics"},
	"snowflake": {"SNOWSQL_ACCOUNT": "myorg-account1", "SNOWSQL_USER": "etl", "SNOWSQL_PWD": dbPassword,
		"SNOWSQL_DATABASE": "analytics", "SNOWSQL_SCHEMA": "public", "SNOWSQL_WAREHOUSE": "compute_wh",
		"SNOWSQL_ROLE":  "analyst",
		"SNOWFLAKE_DSN": "etl:" + dbPasswordURL + "@myorg-account1/analytics/public?role=analyst&warehouse=compute_wh",
		"DATABASE_URL":  "snowflake://etl:" + dbPasswordURL + "@myorg-account1/analytics/public?role=analyst&warehouse=compute_wh"},
	"databricks": {"DATABRICKS_HOST": "https://adb-1234567890123456.7.azuredatabricks.net",
		"DATABRICKS_TOKEN": "dapi0123456789abcdef", "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc123",
		"DATABRICKS_DSN": "token:dapi0123456789abcdef@adb-1234567890123456.7.azuredatabricks.net:443/sql/1.0/warehouses/abc123?catalog=main&schema=default",
		"DATABASE_URL":   "databricks://token:dapi0123456789abcdef@adb-1234567890123456.7.azuredatabricks.net:443?catalog=main&http_path=%2Fsql%2F1.0%2Fwarehouses%2Fabc123&schema=default"},
	"hive_metastore": {"HIVE_METASTORE_URIS": "thrift://metastore.example:9083", "DATABASE_URL": "thrift://metastore.example:9083"},
	"hive_server2": {"HIVE_JDBC_URL": "jdbc:hive2://hs2.example:10000/default;auth=LDAP", "HIVE_USER": "etl",
		"HIVE_PASSWORD": dbPassword, "DATABASE_URL": "hive://etl:" + dbPasswordURL + "@hs2.example:10000/default?auth=LDAP"},
	"hive_cli": {"HIVE_JDBC_URL": "jdbc:hive2://hs2.example:10000/default", "HIVE_USER": "etl",
		"DATABASE_URL": "hive://etl@hs2.example:10000/default"},
	"pig_cli": {"PIG_OPTS": "-Dfs.defaultFS=hdfs://namenode.example:8020", "HADOOP_USER_NAME": "etl",
		"DATABASE_URL": "hdfs://etl@namenode.example:8020"},
	"jdbc": {"JDBC_URL": "jdbc:postgresql://db.example:5432/analytics", "JDBC_USER": "etl", "JDBC_PASSWORD": dbPassword,
		"JDBC_DRIVER_CLASS": "org.postgresql.Driver", "DATABASE_URL": "jdbc:postgresql://db.example:5432/analytics"},
	"cloudant": {"CLOUDANT_URL": "https://myaccount.cloudantnosqldb.appdomain.cloud", "CLOUDANT_AUTH_TYPE": "COUCHDB_SESSION",
		"CLOUDANT_USERNAME": "etl", "CLOUDANT_PASSWORD": dbPassword, "CLOUDANT_DATABASE": "analytics",
		"DATABASE_URL": "https://etl:" + dbPasswordURL + "@myaccount.cloudantnosqldb.appdomain.cloud/analytics"},
	"hdfs": {"HADOOP_USER_NAME": "etl", "WEBHDFS_URL": "http://namenode.example:9870/webhdfs/v1",
		"DATABASE_URL": "webhdfs://etl:" + dbPasswordURL + "@namenode.example:9870"},
}

// TestDatabaseRenderings checks every variable that each database kind
// renders, and that every rendered value embedding a secret, but the
// secret itself, is declared derived, so that output masking hides it.
func TestDatabaseRenderings(t *testing.T) {
	r := conntype.New()
	for typ, want := range dbRenderings {
		t.Run(typ, func(t *testing.T) {
			c := validConn(t, typ)
			rd, err := r.Type(typ).Render(c, "/conn")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, rd.Env); diff != "" {
				t.Errorf("variables (-want +got):\n%s", diff)
			}
			secrets := []string{dbPassword, "dapi0123456789abcdef"}
			for _, v := range rd.Env {
				embeds := strings.Contains(v, dbPasswordURL) || strings.Contains(v, "dapi0123456789abcdef") ||
					strings.Contains(v, dbPassword)
				if embeds && !slices.Contains(secrets, v) && !slices.Contains(rd.Derived, v) {
					t.Errorf("%s embeds a secret but is not in Derived", v)
				}
			}
			for _, d := range rd.Derived {
				if slices.Contains(secrets, d) {
					t.Errorf("Derived holds a secret itself")
				}
			}
		})
	}
}

// TestDatabaseFiles checks the files of the kinds that render one.
func TestDatabaseFiles(t *testing.T) {
	r := conntype.New()
	want := map[string]map[string]string{
		"mysql": {"my.cnf": "[client]\nuser=\"etl\"\nhost=db.example\nport=3306\npassword=\"" + dbPassword +
			"\"\n\n[mysql]\ndatabase=\"analytics\"\n"},
		"cassandra": {"cqlshrc": "[connection]\nhostname = node-0.example\nport = 9042\n\n[authentication]\n" +
			"keyspace = analytics\nusername = etl\npassword = " + dbPassword + "\n"},
	}
	for typ := range dbExamples {
		rd, err := r.Type(typ).Render(validConn(t, typ), "/conn")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for name, data := range rd.Files {
			got[name] = string(data)
		}
		if diff := cmp.Diff(want[typ], got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: files (-want +got):\n%s", typ, diff)
		}
	}
}
