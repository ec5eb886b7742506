package conntype

import (
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// mysqlType is a MySQL or MariaDB database. The mysql client reads
// MYSQL_HOST, MYSQL_TCP_PORT and MYSQL_PWD, but takes its user from the
// system login, so the rendering also has an option file, my.cnf, which
// the client reads from $MYSQL_HOME: user, password, host, port and
// database. MYSQL_DSN is the DSN of Go's go-sql-driver/mysql; DATABASE_URL
// the URL that SQLAlchemy and most other drivers take.
func mysqlType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "mysql", desc: "MySQL or MariaDB database",
		example: "mysql://db.example:3306/analytics",
		schemes: []string{"mysql"}, port: 3306, hosts: dbOneHost,
		login: needRequired, secret: needOptional,
		env: renderMySQL, airflow: []string{"mysql"},
	})
}

func renderMySQL(t *dbTarget, r *tether.Rendering, dir string) {
	host, port := t.host()
	r.Env["MYSQL_HOST"], r.Env["MYSQL_TCP_PORT"] = host, strconv.Itoa(port)
	setIf(r.Env, "MYSQL_PWD", t.pass)
	dsn := t.user
	if t.pass != "" {
		dsn += ":" + t.pass
	}
	dsn += "@tcp(" + t.hostPort() + ")/" + t.path
	if q := t.options.Encode(); q != "" {
		dsn += "?" + q
	}
	r.Env["MYSQL_DSN"] = dsn
	cnf := "[client]\nuser=" + myCnfValue(t.user) + "\nhost=" + host + "\nport=" + strconv.Itoa(port) + "\n"
	if t.pass != "" {
		cnf += "password=" + myCnfValue(t.pass) + "\n"
	}
	if t.path != "" {
		cnf += "\n[mysql]\ndatabase=" + myCnfValue(t.path) + "\n"
	}
	r.Files["my.cnf"] = []byte(cnf)
	r.SetFileEnv("MYSQL_HOME", dir)
}

// myCnfValue quotes v for a MySQL option file: in double quotes, with
// backslashes and double quotes escaped.
func myCnfValue(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
