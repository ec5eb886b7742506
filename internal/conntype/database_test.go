package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// dbExamples are valid connections of the database kinds: uri, username,
// password (plain) and parameters.
var dbExamples = map[string]struct {
	uri, user, pass string
	params          tether.Params
}{
	"postgres":       {uri: "postgres://db.example:5432/analytics?sslmode=require", user: "etl", pass: dbPassword},
	"mysql":          {uri: "mysql://db.example:3306/analytics?tls=true", user: "etl", pass: dbPassword},
	"mssql":          {uri: "sqlserver://db.example:1433?database=analytics", user: "etl", pass: dbPassword},
	"oracle":         {uri: "oracle://db.example:1521/ORCLPDB1", user: "etl", pass: dbPassword},
	"vertica":        {uri: "vertica://db.example:5433/analytics", user: "etl", pass: dbPassword},
	"sqlite":         {uri: "sqlite:///data/app.db"},
	"redis":          {uri: "redis://cache.example:6379/2", pass: dbPassword},
	"presto":         {uri: "presto://presto.example:8443/hive/default?protocol=https", user: "etl", pass: dbPassword},
	"mongo":          {uri: "mongodb://mongo-0.example:27017,mongo-1.example:27018/analytics?replicaSet=rs0", user: "etl", pass: dbPassword},
	"cassandra":      {uri: "cassandra://node-0.example:9042,node-1.example:9042/analytics", user: "etl", pass: dbPassword},
	"snowflake":      {uri: "snowflake://myorg-account1/analytics/public", user: "etl", pass: dbPassword, params: tether.Params{"warehouse": "compute_wh", "role": "analyst"}},
	"databricks":     {uri: "databricks://adb-1234567890123456.7.azuredatabricks.net/main/default", params: tether.Params{"httpPath": "/sql/1.0/warehouses/abc123", "token": b64("dapi0123456789abcdef")}},
	"hive_metastore": {uri: "thrift://metastore.example:9083"},
	"hive_server2":   {uri: "hive://hs2.example:10000/default?auth=LDAP", user: "etl", pass: dbPassword},
	"hive_cli":       {uri: "hive://hs2.example:10000/default", user: "etl"},
	"pig_cli":        {uri: "hdfs://namenode.example:8020", user: "etl"},
	"jdbc":           {uri: "jdbc:postgresql://db.example:5432/analytics", user: "etl", pass: dbPassword, params: tether.Params{"driverClass": "org.postgresql.Driver"}},
	"cloudant":       {uri: "https://myaccount.cloudantnosqldb.appdomain.cloud/analytics", user: "etl", pass: dbPassword},
	"hdfs":           {uri: "webhdfs://namenode.example:9870", user: "etl", pass: dbPassword},
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

// dbPassword is the password of dbExamples, which every message must hide.
const dbPassword = "p@ss:w/rd %1"

// TestDatabaseKinds checks the rules of every database kind: the ones they
// share (dbCommonCases) and each kind's own.
func TestDatabaseKinds(t *testing.T) {
	for typ := range dbExamples {
		t.Run(typ, func(t *testing.T) {
			runTypeCases(t, typ, append(dbCommonCases(t, typ), dbOwnCases[typ]...))
		})
	}
}

// dbCommonCases are the rules every database kind follows, as its schema
// declares them.
func dbCommonCases(t *testing.T, typ string) []typeCase {
	ct := conntype.New().Type(typ)
	ex := dbExamples[typ]
	cases := []typeCase{
		{name: "valid"},
		{name: "keyID not supported", mut: func(c *tether.Connection) { c.Spec.KeyID = tether.Secret(b64("x")) },
			want: p("spec.keyID"), msg: "spec.keyID: not supported by type " + typ},
		{name: "unknown parameter", mut: param("nosuch", "x"), want: p("spec.parameters.nosuch")},
		{name: "uri required", mut: uri(""), want: p("spec.uri"), msg: "spec.uri: required"},
	}
	if typ != "jdbc" {
		scheme, rest, _ := strings.Cut(ex.uri, "://")
		cases = append(cases,
			typeCase{name: "uri with password", mut: uri(scheme + "://etl:hunter2@" + rest),
				want: p("spec.uri"), msg: "spec.uri: must not carry a password (user:password@): give it in spec.password"},
			typeCase{name: "uri with user", mut: uri(scheme + "://etl@" + rest),
				want: p("spec.uri"), msg: "spec.uri: must not carry a user"},
			typeCase{name: "uri other scheme", mut: uri("ftp://" + rest), want: p("spec.uri"), msg: "spec.uri: must start with"},
			typeCase{name: "uri not a URL", mut: uri("db.example"), want: p("spec.uri"), msg: "spec.uri: must be a URL"},
			typeCase{name: "uri fragment", mut: uri(ex.uri + "#x"), want: p("spec.uri"), msg: "must not have a fragment"},
			typeCase{name: "uri bad option", mut: uri(ex.uri + map[bool]string{true: "&", false: "?"}[strings.Contains(ex.uri, "?")] + "a=%zz"), want: p("spec.uri"), msg: "invalid query string"},
		)
		if typ != "sqlite" {
			cases = append(cases,
				typeCase{name: "uri bad port", mut: uri(scheme + "://db.example:99999/x"), want: p("spec.uri"), msg: "invalid port"},
				typeCase{name: "uri bad host", mut: uri(scheme + "://-db-/x"), want: p("spec.uri"), msg: "invalid host"},
				typeCase{name: "uri no host", mut: uri(scheme + ":///x"), want: p("spec.uri"), msg: "must name a host"},
			)
		}
	}
	return append(cases, dbFieldCases(ct)...)
}

// dbFieldCases are the rules of spec.username and spec.password, as the
// kind's schema declares them.
func dbFieldCases(ct *tether.ConnectionType) []typeCase {
	user, pass := ct.Field("username"), ct.Field("password")
	setUser := func(v string) func(c *tether.Connection) { return func(c *tether.Connection) { c.Spec.Username = v } }
	setPass := func(v string) func(c *tether.Connection) {
		return func(c *tether.Connection) { c.Spec.Password = tether.Secret(v) }
	}
	var cases []typeCase
	switch {
	case user == nil:
		cases = append(cases, typeCase{name: "username not supported", mut: setUser("etl"),
			want: p("spec.username"), msg: "spec.username: not supported by type " + ct.Name})
	case user.Required:
		cases = append(cases, typeCase{name: "username required", mut: setUser(""),
			want: p("spec.username"), msg: "spec.username: required by type " + ct.Name})
	default:
		cases = append(cases, typeCase{name: "username optional", mut: func(c *tether.Connection) {
			c.Spec.Username = ""
			if pass != nil && !pass.Required {
				c.Spec.Password = "" // mongo: a password needs a user
			}
		}})
	}
	switch {
	case pass == nil:
		return append(cases, typeCase{name: "password not supported", mut: setPass(b64("x")),
			want: p("spec.password"), msg: "spec.password: not supported by type " + ct.Name})
	case pass.Required:
		cases = append(cases, typeCase{name: "password required", mut: setPass(""),
			want: p("spec.password"), msg: "spec.password: required by type " + ct.Name})
	default:
		cases = append(cases, typeCase{name: "password optional", mut: setPass("")})
	}
	return append(cases,
		typeCase{name: "password masked", mut: setPass(tether.Mask), want: p("spec.password"), msg: "is masked"},
		typeCase{name: "password not base64", mut: setPass("hunter2"), want: p("spec.password"), msg: "must be base64"},
		typeCase{name: "password with newline", mut: setPass(b64("hunter2\n")), want: p("spec.password"),
			msg: "spec.password: must not decode to text with control characters"},
	)
}

// dbOwnCases are each kind's own rules.
var dbOwnCases = map[string][]typeCase{
	"postgres": {
		{name: "postgresql scheme", mut: uri("postgresql://db.example/analytics")},
		{name: "ipv6 host", mut: uri("postgres://[::1]:5432/analytics")},
		{name: "no database", mut: uri("postgres://db.example")},
		{name: "two hosts", mut: uri("postgres://a.example,b.example/analytics"), want: p("spec.uri"), msg: "must name one host"},
	},
	"mssql":  {{name: "instance", mut: uri("sqlserver://db.example/SQLEXPRESS?database=analytics")}},
	"oracle": {{name: "no service", mut: uri("oracle://db.example:1521"), want: p("spec.uri"), msg: "must name the service"}},
	"sqlite": {
		{name: "host", mut: uri("sqlite://db.example/app.db"), want: p("spec.uri"), msg: "must not name a host"},
		{name: "directory", mut: uri("sqlite:///data/"), want: p("spec.uri"), msg: "must name a file"},
		{name: "no path", mut: uri("sqlite:///"), want: p("spec.uri"), msg: "must name a file"},
	},
	"redis": {
		{name: "tls", mut: uri("rediss://cache.example:6380/0")},
		{name: "acl user", mut: func(c *tether.Connection) { c.Spec.Username = "app" }},
		{name: "db not a number", mut: uri("redis://cache.example/zero"), want: p("spec.uri"), msg: "database number"},
	},
	"presto": {{name: "path too deep", mut: uri("presto://p.example/a/b/c"), want: p("spec.uri"), msg: "/catalog/schema"}},
	"mongo": {
		{name: "srv", mut: uri("mongodb+srv://cluster0.example/analytics?retryWrites=true")},
		{name: "srv with port", mut: uri("mongodb+srv://cluster0.example:27017/analytics"), want: p("spec.uri"), msg: "without port"},
		{name: "srv with two hosts", mut: uri("mongodb+srv://a.example,b.example/analytics"), want: p("spec.uri")},
		{name: "password without user", mut: func(c *tether.Connection) { c.Spec.Username = "" },
			want: p("spec.username"), msg: "spec.username: required with spec.password"},
	},
	"cassandra": {
		{name: "default port", mut: uri("cassandra://a.example,b.example/ks")},
		{name: "ports differ", mut: uri("cassandra://a.example:9042,b.example:9043/ks"), want: p("spec.uri"), msg: "share one port"},
	},
	"snowflake": {
		{name: "port", mut: uri("snowflake://acct:443/db"), want: p("spec.uri"), msg: "without port"},
		{name: "path too deep", mut: uri("snowflake://acct/a/b/c"), want: p("spec.uri")},
		{name: "no warehouse", mut: param("warehouse", "")},
	},
	"databricks": {
		{name: "httpPath required", mut: param("httpPath", ""), want: p("spec.parameters.httpPath"), msg: "required by type databricks"},
		{name: "httpPath relative", mut: param("httpPath", "sql/1.0"), want: p("spec.parameters.httpPath"), msg: "starting with /"},
		{name: "token required", mut: param("token", ""), want: p("spec.parameters.token"), msg: "required by type databricks"},
		{name: "token masked", mut: param("token", tether.Mask), want: p("spec.parameters.token"), msg: "is masked"},
		{name: "token with newline", mut: param("token", b64("dapi\n")), want: p("spec.parameters.token"), msg: "control characters"},
	},
	"hive_metastore": {{name: "two metastores", mut: uri("thrift://a.example:9083,b.example")}},
	"jdbc": {
		{name: "oracle thin", mut: uri("jdbc:oracle:thin:@//db.example:1521/ORCLPDB1")},
		{name: "sqlserver", mut: uri("jdbc:sqlserver://db.example:1433;databaseName=analytics")},
		{name: "not jdbc", mut: uri("postgres://db.example/x"), want: p("spec.uri"), msg: "must be a JDBC URL"},
		{name: "password property", mut: uri("jdbc:sqlserver://db.example;user=etl;Password=hunter2"),
			want: p("spec.uri"), msg: "must not carry a password (password=)"},
		{name: "userinfo", mut: uri("jdbc:mysql://etl:hunter2@db.example/x"), want: p("spec.uri"), msg: "must not carry credentials"},
		{name: "oracle user/password", mut: uri("jdbc:oracle:thin:etl/hunter2@db.example:1521:ORCL"),
			want: p("spec.uri"), msg: "must not carry credentials"},
	},
	"hdfs": {
		{name: "swebhdfs", mut: uri("swebhdfs://knox.example:8443")},
		{name: "hdfs", mut: func(c *tether.Connection) { c.Spec.URI, c.Spec.Password = "hdfs://nn.example", "" }},
		{name: "hdfs with password", mut: uri("hdfs://nn.example:8020"), want: p("spec.password"), msg: "use webhdfs://"},
		{name: "ha namenodes", mut: uri("webhdfs://nn1.example:9870,nn2.example:9870")},
	},
}

// TestDatabaseMessagesHideValues checks that no message of a refused
// database connection holds the password in it, from the uri or a field.
func TestDatabaseMessagesHideValues(t *testing.T) {
	r := conntype.New()
	for typ, ex := range dbExamples {
		c := validConn(t, typ)
		scheme, rest, _ := strings.Cut(ex.uri, "://")
		c.Spec.URI = scheme + "://etl:hunter2@" + rest + "#hunter2"
		if typ == "jdbc" {
			c.Spec.URI = "jdbc:sqlserver://db.example;password=hunter2"
		}
		c.Spec.Password = tether.Secret(b64("hunter2\n"))
		err := r.Validate(c)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v", typ, err)
		}
	}
}
