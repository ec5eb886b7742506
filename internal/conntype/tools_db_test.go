package conntype_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
)

// The real-client tests of the database kinds: Debian's psql, mysql
// (MariaDB's) and redis-cli, each run with nothing in its environment but
// the rendering, against a real server that checks passwords.

var (
	mariadbService = testService{"TETHER_TEST_MARIADB", "TETHER_TEST_SKIP_MARIADB", "mariadb.sh", "MariaDB"}
	redisService   = testService{"TETHER_TEST_REDIS", "TETHER_TEST_SKIP_REDIS", "redis.sh", "Redis"}
)

// toolPassword is a password with the characters that URLs, option files
// and SQL quote: the renderings must carry it intact.
const toolPassword = `p@ss:w/rd %1 "q" 'q' \ #;`

// run runs the command line with env as its whole environment and returns
// its output; with ok it fails t if the command fails.
func run(t *testing.T, env map[string]string, ok bool, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = []string{}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if ok && err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), err
}

// uniqueName returns prefix and random hex, for a role or a database.
func uniqueName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// dbConn returns a connection of type typ to uri as user.
func dbConn(typ, uri, user, password string) *tether.Connection {
	c := &tether.Connection{Kind: tether.Kind, ID: "db", Spec: tether.ConnectionSpec{Type: typ, URI: uri, Username: user}}
	if password != "" {
		c.Spec.Password = tether.Secret(b64(password))
	}
	return c
}

// without returns env without the named variables.
func without(env map[string]string, names ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// TestPostgresTools runs psql with only the rendered PG* variables, then
// with only DATABASE_URL, on a role and a database made for the test
// (the role logs in with a password: scripts/testenv/postgres.sh makes
// the server check it), and checks that a wrong password is refused.
func TestPostgresTools(t *testing.T) {
	admin := pgtest.ServerURL(t)
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	role, db := uniqueName("tether_role_"), uniqueName("tether_db_")
	quoted := "'" + strings.ReplaceAll(toolPassword, "'", "''") + "'"
	for _, q := range []string{
		`DO $$ BEGIN CREATE ROLE tether_password_auth NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
		`CREATE ROLE ` + role + ` LOGIN IN ROLE tether_password_auth PASSWORD ` + quoted,
		`CREATE DATABASE ` + db + ` OWNER ` + role,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`)
		_, _ = conn.Exec(context.Background(), `DROP ROLE IF EXISTS `+role)
	})
	host, port := serverAddr(t, admin)
	uri := fmt.Sprintf("postgres://%s:%d/%s?sslmode=disable", host, port, db)
	r, _ := materialise(t, dbConn("postgres", uri, role, toolPassword))
	const query = "SELECT current_user || ' ' || current_database()"
	want := role + " " + db
	if got, _ := run(t, without(r.Env, "DATABASE_URL"), true, "/usr/bin/psql", "-X", "-A", "-t", "-c", query); got != want {
		t.Errorf("psql with the PG* variables: %q, want %q", got, want)
	}
	onlyURL := map[string]string{"DATABASE_URL": r.Env["DATABASE_URL"]}
	if got, _ := run(t, onlyURL, true, "/bin/sh", "-c", `/usr/bin/psql "$DATABASE_URL" -X -A -t -c "`+query+`"`); got != want {
		t.Errorf("psql \"$DATABASE_URL\": %q, want %q", got, want)
	}
	wrong, _ := renderTo(t, dbConn("postgres", uri, role, toolPassword+"x"))
	out, err := run(t, without(wrong.Env, "DATABASE_URL"), false, "/usr/bin/psql", "-X", "-A", "-t", "-c", query)
	if err == nil || !strings.Contains(out, "password authentication failed") {
		t.Errorf("psql with a wrong password: %v, %q; want password authentication failed "+
			"(a server started by an older scripts/testenv/postgres.sh trusts every role: restart it)", err, out)
	}
}

// serverAddr returns the host and port of a postgres:// URL.
func serverAddr(t *testing.T, u string) (string, uint16) {
	t.Helper()
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Host, cfg.Port
}

// mariadbFixtures describe the test server (scripts/testenv/mariadb.sh).
type mariadbFixtures struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// TestMySQLTools runs MariaDB's mysql client with only the rendered
// variables (MYSQL_HOME's my.cnf gives the user), and Go's driver with the
// rendered MYSQL_DSN, on a user and a database made for the test, and
// checks that a wrong password is refused.
func TestMySQLTools(t *testing.T) {
	var f mariadbFixtures
	mariadbService.fixtures(t, &f)
	addr := f.Host + ":" + strconv.Itoa(f.Port)
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = f.Username, f.Password, "tcp", addr
	admin := openMySQL(t, cfg.FormatDSN())
	user, db := uniqueName("u"), uniqueName("tether_db_")
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(toolPassword) + "'"
	for _, q := range []string{
		"CREATE DATABASE " + db,
		"CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY " + quoted,
		"GRANT ALL ON " + db + ".* TO '" + user + "'@'127.0.0.1'",
	} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + db)
		_, _ = admin.Exec("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'")
	})
	uri := "mysql://" + addr + "/" + db
	r, _ := materialise(t, dbConn("mysql", uri, user, toolPassword))
	want := user + "@127.0.0.1\t" + db
	if got, _ := run(t, r.Env, true, "/usr/bin/mysql", "-N", "-B", "-e", "SELECT current_user(), database()"); got != want {
		t.Errorf("mysql with the rendered variables: %q, want %q", got, want)
	}
	var got string
	if err := openMySQL(t, r.Env["MYSQL_DSN"]).QueryRow("SELECT CONCAT(current_user(), '\t', database())").Scan(&got); err != nil || got != want {
		t.Errorf("go-sql-driver/mysql with MYSQL_DSN: %q, %v; want %q", got, err, want)
	}
	wrong, _ := renderTo(t, dbConn("mysql", uri, user, toolPassword+"x"))
	out, err := run(t, wrong.Env, false, "/usr/bin/mysql", "-N", "-B", "-e", "SELECT 1")
	if err == nil || !strings.Contains(out, "Access denied for user '"+user+"'") {
		t.Errorf("mysql with a wrong password: %v, %q; want access denied", err, out)
	}
}

// openMySQL opens a database handle on dsn, closed when t ends.
func openMySQL(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// redisFixtures describe the test server (scripts/testenv/redis.sh).
type redisFixtures struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Password string `json:"password"`
}

// TestRedisTools runs redis-cli with only the rendered variables (its
// password from REDISCLI_AUTH), then with only the rendered URL
// (redis-cli -u), against a server with requirepass, and checks that a
// wrong password is refused. redis-cli exits 0 on an error reply, so the
// replies are checked.
func TestRedisTools(t *testing.T) {
	var f redisFixtures
	redisService.fixtures(t, &f)
	uri := fmt.Sprintf("redis://%s:%d/3", f.Host, f.Port)
	r, _ := materialise(t, dbConn("redis", uri, "", f.Password))
	key := uniqueName("tether-")
	cli := `/usr/bin/redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n 3 `
	if got, _ := run(t, without(r.Env, "REDIS_URL", "DATABASE_URL"), true, "/bin/sh", "-c", cli+"SET "+key+" env"); got != "OK" {
		t.Fatalf("redis-cli with REDISCLI_AUTH: SET: %q", got)
	}
	onlyURL := map[string]string{"REDIS_URL": r.Env["REDIS_URL"]}
	if got, _ := run(t, onlyURL, true, "/bin/sh", "-c", `/usr/bin/redis-cli --no-auth-warning -u "$REDIS_URL" GET `+key); got != "env" {
		t.Errorf("redis-cli -u \"$REDIS_URL\": GET %q, want the value set in database 3", got)
	}
	wrong, _ := renderTo(t, dbConn("redis", uri, "", f.Password+"x"))
	out, _ := run(t, without(wrong.Env, "REDIS_URL", "DATABASE_URL"), false, "/bin/sh", "-c", cli+"GET "+key)
	if !strings.Contains(out, "WRONGPASS") || strings.Contains(out, "env") {
		t.Errorf("redis-cli with a wrong password: %q, want WRONGPASS", out)
	}
	out, _ = run(t, map[string]string{"REDIS_URL": wrong.Env["REDIS_URL"]}, false, "/bin/sh", "-c", `/usr/bin/redis-cli --no-auth-warning -u "$REDIS_URL" GET `+key)
	if !strings.Contains(out, "WRONGPASS") || strings.Contains(out, "env") {
		t.Errorf("redis-cli -u with a wrong password: %q, want WRONGPASS", out)
	}
}
