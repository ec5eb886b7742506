package main_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// tetherBin is the tether binary built once by TestMain for the whole suite.
var tetherBin string

// Timeouts of the suite's waits: generous for a loaded 2-core machine, but
// bounded so that a hung process fails the test instead of the run.
const (
	startTimeout = 20 * time.Second
	stopTimeout  = 20 * time.Second
	cliTimeout   = 60 * time.Second
)

// TestMain builds the binary once for every test.
func TestMain(m *testing.M) { os.Exit(runTests(m)) }

// runTests builds the real binary into a temporary directory, runs the
// tests, and removes the directory.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "tether-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	tetherBin = filepath.Join(dir, "tether")
	build := exec.Command("go", "build", "-o", tetherBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building tether:", err)
		return 1
	}
	return m.Run()
}

// processEnv is the whole environment of a subprocess: HOME set to home and
// the given variables, nothing inherited (no stray TETHER_* from the
// developer's shell).
func processEnv(home string, vars map[string]string) []string {
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin"}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

// exitCode returns the exit status of a finished process from its Wait error.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("process did not run: %v", err)
	return -1
}

// writeFile writes data to name in dir and returns the path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// randomHex returns the hex form of n random bytes.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// b64 is the standard base64 of s, the wire form of a secret.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// closedPort returns a loopback address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
