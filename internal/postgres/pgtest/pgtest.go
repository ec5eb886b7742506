// Package pgtest gives tests databases of their own on the test PostgreSQL
// server that scripts/test.sh starts (scripts/testenv/postgres.sh), named by
// TETHER_TEST_POSTGRES_URL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Missing explains how to give the tests a server.
const Missing = "TETHER_TEST_POSTGRES_URL is not set: run ./scripts/test.sh, which starts PostgreSQL, " +
	"or start one with `./scripts/testenv/postgres.sh start` and export the URL it prints " +
	"(TETHER_TEST_SKIP_POSTGRES=1 skips these tests)"

// ServerURL returns the URL of the test server. It skips t when
// TETHER_TEST_SKIP_POSTGRES=1 and fails it when no server is given: a test
// skipped in CI would hide a missing install.
func ServerURL(t testing.TB) string {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_POSTGRES") == "1" {
		t.Skip("TETHER_TEST_SKIP_POSTGRES=1")
	}
	u := os.Getenv("TETHER_TEST_POSTGRES_URL")
	if u == "" {
		t.Fatal(Missing)
	}
	return u
}

// FreshDatabase creates an empty database with a unique name on the test
// server and returns its URL; extra is appended to CREATE DATABASE. The
// database is dropped, with the sessions still connected to it, when t
// ends: after whatever the test started later is stopped, since cleanups
// run last-in first-out.
func FreshDatabase(t testing.TB, extra string) string {
	t.Helper()
	base := ServerURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TETHER_TEST_POSTGRES_URL must be a postgres:// URL: %v", err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "tether_test_" + hex.EncodeToString(suffix)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL server: %v", err)
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name+` `+extra); err != nil {
		_ = admin.Close(context.Background())
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
		_ = admin.Close(ctx)
	})
	u.Path = "/" + name
	return u.String()
}
