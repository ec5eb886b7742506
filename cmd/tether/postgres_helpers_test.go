package main_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// missingPostgres explains how to give the PostgreSQL tests a server.
const missingPostgres = "TETHER_TEST_POSTGRES_URL is not set: run ./scripts/test.sh, which starts PostgreSQL, " +
	"or start one with `./scripts/testenv/postgres.sh start` and export the URL it prints " +
	"(TETHER_TEST_SKIP_POSTGRES=1 skips these tests)"

// postgresURL returns the URL of the test PostgreSQL server. It skips t
// when TETHER_TEST_SKIP_POSTGRES=1 and fails it when no server is given: a
// test skipped in CI would hide a missing install.
func postgresURL(t *testing.T) string {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_POSTGRES") == "1" {
		t.Skip("TETHER_TEST_SKIP_POSTGRES=1")
	}
	u := os.Getenv("TETHER_TEST_POSTGRES_URL")
	if u == "" {
		t.Fatal(missingPostgres)
	}
	return u
}

// pgConnect opens a plain connection to dbURL, closed when t ends.
func pgConnect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL server: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// freshDatabase creates an empty database with a unique name on the test
// server and returns its URL. The database is dropped, with the sessions
// still connected to it, when t ends: after the servers the test started
// later are killed, since cleanups run last-in first-out.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := postgresURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TETHER_TEST_POSTGRES_URL must be a postgres:// URL: %v", err)
	}
	name := "tether_e2e_" + randomHex(t, 6)
	admin := pgConnect(t, base)
	if _, err := admin.Exec(t.Context(), `CREATE DATABASE `+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// pgReplicas is a set of "tether server" replicas on one PostgreSQL
// database, sharing one key file and one admin token file, as a
// deployment behind a load balancer does.
type pgReplicas struct {
	t         *testing.T
	DB        string // the database's URL
	KeyFile   string // the shared key file; empty until the first replica created it
	TokenFile string // the shared admin token file
}

// newPGReplicas returns replicas on a fresh database with a new admin token
// file. The first replica started creates the key file (see options).
func newPGReplicas(t *testing.T) *pgReplicas {
	t.Helper()
	return &pgReplicas{t: t, DB: freshDatabase(t),
		TokenFile: writeFile(t, t.TempDir(), "admin-token", "tether_replicas-"+randomHex(t, 16)+"\n")}
}

// options returns the options of one more replica, in a data directory of
// its own: with --key-file the shared key file if it is known; otherwise
// the replica creates it in its data directory, and KeyFile is set to
// that path (the caller starts that replica before any other).
func (r *pgReplicas) options() serverOptions {
	o := serverOptions{Dir: r.t.TempDir(), TokenFile: r.TokenFile,
		Args: []string{"--db", r.DB, "--admin-token-file", r.TokenFile}}
	o.fill(r.t)
	if r.KeyFile == "" {
		r.KeyFile = filepath.Join(o.DataDir, "tether.key")
	} else {
		o.Args = append(o.Args, "--key-file", r.KeyFile)
	}
	return o
}

// start starts one more replica and waits until it is ready.
func (r *pgReplicas) start() *server {
	r.t.Helper()
	return startServer(r.t, r.options())
}
