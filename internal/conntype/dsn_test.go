package conntype_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/microsoft/go-mssqldb/msdsn"
	"github.com/redis/go-redis/v9"
	go_ora "github.com/sijms/go-ora/v2"
	"github.com/trinodb/trino-go-client/trino"
	_ "github.com/vertica/vertica-sql-go" // the vertica driver
	"github.com/vertica/vertica-sql-go/common"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	_ "modernc.org/sqlite" // the sqlite driver

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// dbFacts are what a driver's parser read from a rendered DSN.
type dbFacts struct {
	Hosts              []string // host:port
	User, Pass, DBName string
	Extra              string // an option the DSN carries (TLS, replica set, catalog)
}

// dbExampleFacts are the facts of the database kinds' examples
// (dbExamples) that their drivers must read.
func dbExampleFacts(host string, port int, db, extra string) dbFacts {
	return dbFacts{Hosts: []string{net.JoinHostPort(host, strconv.Itoa(port))}, User: "etl", Pass: dbPassword,
		DBName: db, Extra: extra}
}

// TestDatabaseDSNs checks that each kind's driver, given the DSN or URL
// rendered for it, reads the connection's host, port, user, password and
// database: the drivers' own parsers, not ours.
func TestDatabaseDSNs(t *testing.T) {
	cases := []struct {
		typ   string
		parse func(t *testing.T, env map[string]string) (dbFacts, error)
		want  dbFacts
	}{
		{"postgres", parsePgx("DATABASE_URL"), dbExampleFacts("db.example", 5432, "analytics", "tls")},
		{"postgres", parsePgxEnv, dbExampleFacts("db.example", 5432, "analytics", "tls")},
		{"mysql", func(t *testing.T, env map[string]string) (dbFacts, error) {
			c, err := mysql.ParseDSN(env["MYSQL_DSN"])
			if err != nil {
				return dbFacts{}, err
			}
			return dbFacts{[]string{c.Addr}, c.User, c.Passwd, c.DBName, c.TLSConfig}, nil
		}, dbExampleFacts("db.example", 3306, "analytics", "true")},
		{"mssql", func(t *testing.T, env map[string]string) (dbFacts, error) {
			c, err := msdsn.Parse(env["DATABASE_URL"])
			hp := net.JoinHostPort(c.Host, strconv.FormatUint(c.Port, 10))
			return dbFacts{[]string{hp}, c.User, c.Password, c.Database, ""}, err
		}, dbExampleFacts("db.example", 1433, "analytics", "")},
		{"oracle", func(t *testing.T, env map[string]string) (dbFacts, error) {
			c, err := go_ora.ParseConfig(env["DATABASE_URL"])
			if err != nil {
				return dbFacts{}, err
			}
			hp := net.JoinHostPort(c.Servers[0].Addr, strconv.Itoa(c.Servers[0].Port))
			return dbFacts{[]string{hp}, c.UserID, c.Password, c.ServiceName, ""}, nil
		}, dbExampleFacts("db.example", 1521, "ORCLPDB1", "")},
		{"redis", func(t *testing.T, env map[string]string) (dbFacts, error) {
			o, err := redis.ParseURL(env["REDIS_URL"])
			if err != nil {
				return dbFacts{}, err
			}
			return dbFacts{[]string{o.Addr}, o.Username, o.Password, strconv.Itoa(o.DB), ""}, nil
		}, dbFacts{[]string{"cache.example:6379"}, "default", dbPassword, "2", ""}},
		{"presto", parseTrino, dbExampleFacts("presto.example", 8443, "hive", "default")},
		{"mongo", func(t *testing.T, env map[string]string) (dbFacts, error) {
			c, err := connstring.ParseAndValidate(env["MONGODB_URI"])
			if err != nil {
				return dbFacts{}, err
			}
			return dbFacts{c.Hosts, c.Username, c.Password, c.Database, c.ReplicaSet}, nil
		}, dbFacts{[]string{"mongo-0.example:27017", "mongo-1.example:27018"}, "etl", dbPassword, "analytics", "rs0"}},
	}
	r := conntype.New()
	for i, tc := range cases {
		t.Run(strconv.Itoa(i)+"-"+tc.typ, func(t *testing.T) {
			rd, err := r.Type(tc.typ).Render(validConn(t, tc.typ), "/conn")
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.parse(t, rd.Env)
			if err != nil {
				t.Fatalf("the driver refuses the rendering: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("the driver read (-want +got):\n%s", diff)
			}
		})
	}
}

// parsePgx parses the URL in variable name with pgx.
func parsePgx(name string) func(t *testing.T, env map[string]string) (dbFacts, error) {
	return func(_ *testing.T, env map[string]string) (dbFacts, error) {
		c, err := pgconn.ParseConfig(env[name])
		if err != nil {
			return dbFacts{}, err
		}
		tls := ""
		if c.TLSConfig != nil {
			tls = "tls"
		}
		return dbFacts{[]string{net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))}, c.User, c.Password, c.Database, tls}, nil
	}
}

// parsePgxEnv has pgx read the PG* variables alone, as libpq does.
func parsePgxEnv(t *testing.T, env map[string]string) (dbFacts, error) {
	isolate(t, "PG")
	for k, v := range env {
		t.Setenv(k, v)
	}
	return parsePgx("")(t, map[string]string{})
}

// parseTrino parses PRESTO_DSN with trino-go-client.
func parseTrino(_ *testing.T, env map[string]string) (dbFacts, error) {
	c, err := trino.ParseDSN(env["PRESTO_DSN"])
	if err != nil {
		return dbFacts{}, err
	}
	u, err := url.Parse(c.ServerURI)
	if err != nil {
		return dbFacts{}, err
	}
	pass, _ := u.User.Password()
	return dbFacts{[]string{u.Host}, u.User.Username(), pass, c.Catalog, c.Schema}, nil
}

// TestVerticaDriver has vertica-sql-go connect with the rendered
// DATABASE_URL to a listener that speaks the start of Vertica's protocol:
// it reads the startup message (user, database) and asks for the password
// in clear text, which proves that the driver read all three from it.
func TestVerticaDriver(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := validConn(t, "vertica")
	c.Spec.URI = "vertica://" + ln.Addr().String() + "/analytics"
	rd, err := conntype.New().Type("vertica").Render(c, "/conn")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan map[string]string, 1)
	go func() { got <- verticaStartup(ln) }()
	db, err := sql.Open("vertica", rd.Env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = db.PingContext(ctx) // the listener hangs up after the password
	want := map[string]string{"user": "etl", "database": "analytics", "password": dbPassword}
	if diff := cmp.Diff(want, <-got); diff != "" {
		t.Errorf("the driver sent (-want +got):\n%s", diff)
	}
}

// verticaStartup accepts one connection, reads its startup message, asks
// for a clear-text password and reads it; it returns the user, database
// and password sent, or nil.
func verticaStartup(ln net.Listener) map[string]string {
	conn, err := ln.Accept()
	if err != nil {
		return nil
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	body, err := readMsg(br, false)
	if err != nil || len(body) < 4 {
		return nil
	}
	out := map[string]string{}
	fields := bytes.Split(body[4:], []byte{0}) // after the protocol version
	for i := 0; i+1 < len(fields); i += 2 {
		if k := string(fields[i]); k == "user" || k == "database" {
			out[k] = string(fields[i+1])
		}
	}
	auth := []byte{'R', 0, 0, 0, 8, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(auth[5:], uint32(common.AuthenticationCleartextPassword))
	if _, err := conn.Write(auth); err != nil {
		return out
	}
	if pw, err := readMsg(br, true); err == nil {
		out["password"] = string(bytes.TrimSuffix(pw, []byte{0}))
	}
	return out
}

// readMsg reads one frontend message of the PostgreSQL-style protocol
// Vertica speaks: [type byte] int32 length, body.
func readMsg(r *bufio.Reader, typed bool) ([]byte, error) {
	if typed {
		if _, err := r.ReadByte(); err != nil {
			return nil, err
		}
	}
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil || n < 4 || n > 1<<16 {
		return nil, io.ErrUnexpectedEOF
	}
	body := make([]byte, n-4)
	_, err := io.ReadFull(r, body)
	return body, err
}

// TestSQLiteDriver has Go's SQLite driver (modernc.org/sqlite) create and
// read the database file that the rendered SQLITE_PATH names.
func TestSQLiteDriver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	c := &tether.Connection{ID: "app", Spec: tether.ConnectionSpec{Type: "sqlite", URI: "sqlite://" + path}}
	if err := conntype.New().Validate(c); err != nil {
		t.Fatal(err)
	}
	rd, err := conntype.New().Type("sqlite").Render(c, "/conn")
	if err != nil {
		t.Fatal(err)
	}
	if want := "sqlite:///" + path; rd.Env["DATABASE_URL"] != want {
		t.Errorf("DATABASE_URL = %q, want %q", rd.Env["DATABASE_URL"], want)
	}
	db, err := sql.Open("sqlite", rd.Env["SQLITE_PATH"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if _, err := db.Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT x FROM t").Scan(&n); err != nil || n != 42 {
		t.Fatalf("SELECT: %d, %v", n, err)
	}
	if _, err := sql.Open("sqlite", path); err != nil {
		t.Fatal(err)
	}
}
