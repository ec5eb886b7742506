package main_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/tether-ml/tether/internal/postgres/pgtest"
)

// freshDatabase creates an empty database on the test server, dropped when
// t ends (after the servers the test started later are killed), and returns
// its URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.FreshDatabase(t, "")
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
