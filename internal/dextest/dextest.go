// Package dextest gives tests a real OpenID Connect issuer: the Dex server
// that scripts/test.sh starts with scripts/testenv/dex.sh. It reads that
// server's fixtures (issuer, clients, users), gets tokens from it with the
// password grant, walks its login pages as a browser would, and starts
// private servers for tests that must restart one. It is imported by tests
// only.
package dextest

import (
	"encoding/json"
	"os"
	"testing"
)

// Environment variables that give the tests a server; scripts/test.sh sets
// them. TETHER_TEST_SKIP_DEX=1 skips the tests that need one instead.
const (
	EnvIssuer   = "TETHER_TEST_DEX_ISSUER"
	EnvFixtures = "TETHER_TEST_DEX_FIXTURES"
	EnvSkip     = "TETHER_TEST_SKIP_DEX"
)

// Missing explains how to give the tests a server.
const Missing = EnvIssuer + " and " + EnvFixtures + " are not set: run ./scripts/test.sh, which starts Dex, " +
	"or start it with `./scripts/testenv/dex.sh start` and export the issuer it prints and the path " +
	"`./scripts/testenv/dex.sh fixtures` prints (" + EnvSkip + "=1 skips these tests)"

// Fixtures describes a test server, as dex.sh writes it.
type Fixtures struct {
	Issuer string `json:"issuer"`
	// Binary is the Dex executable, for tests that start their own.
	Binary string `json:"binary"`
	// PublicClient has no secret: the device flow and loopback redirects.
	PublicClient Client `json:"publicClient"`
	// OtherClient is a confidential client: tokens for another audience.
	OtherClient Client `json:"otherClient"`
	// Users are the static users: Alice (first) has groups, Bob has none;
	// Carol and Dave are for refresh tokens (see Carol).
	Users []User `json:"users"`
}

// Client is an OAuth client registered at the server.
type Client struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// User is a static user of the server's password database.
type User struct {
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// Alice is the user with groups.
func (f *Fixtures) Alice() User { return f.Users[0] }

// Bob is the user without groups.
func (f *Fixtures) Bob() User { return f.Users[1] }

// Carol and Dave each sign in in one test of refresh tokens only, Carol in
// package oidc, Dave in package cli. The server keeps one refresh token per
// user and client, so a sign-in of the same user and client by another test
// running at the same time (packages test in parallel) would revoke it.
func (f *Fixtures) Carol() User { return f.Users[2] }

// Dave: see Carol.
func (f *Fixtures) Dave() User { return f.Users[3] }

// Load returns the fixtures of the server given by the environment. It
// skips t when TETHER_TEST_SKIP_DEX=1 and fails it when no server is given:
// a suite skipped in CI would hide a missing install.
func Load(t testing.TB) *Fixtures {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skip(EnvSkip + "=1")
	}
	issuer, path := os.Getenv(EnvIssuer), os.Getenv(EnvFixtures)
	if issuer == "" || path == "" {
		t.Fatal(Missing)
	}
	f, err := readFixtures(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvFixtures, err)
	}
	if f.Issuer != issuer {
		t.Fatalf("%s=%s but the fixtures in %s are for %s", EnvIssuer, issuer, path, f.Issuer)
	}
	return f
}

func readFixtures(path string) (*Fixtures, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f Fixtures
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, err
	}
	if f.Issuer == "" || f.PublicClient.ID == "" || f.OtherClient.ID == "" || len(f.Users) < 4 {
		return nil, os.ErrInvalid
	}
	return &f, nil
}
