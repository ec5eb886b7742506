package main_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tether-ml/tether/internal/miniotest"
)

// testReport is a line of "tether conn test -o json".
type testReport struct {
	ID      string `json:"id"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	From    string `json:"from"`
	Version int64  `json:"version"`
}

// TestConnTest tests s3 connections on the test MinIO through the binary:
// on the server (allowed to reach 127.0.0.1 by --test-allow-cidr), unsaved
// from a file, and --local; a wrong key fails with exit code 3; the last
// result shows in conn get; secrets appear in no output.
func TestConnTest(t *testing.T) {
	t.Parallel()
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	s := startServer(t, serverOptions{Args: []string{"--test-allow-cidr", "127.0.0.1/32", "--test-timeout", "20s"}})
	c := newCLI(t, s)
	good := writeFile(t, c.dir, "good.yaml", m.Manifest("good", bucket, m.SecretKey))
	bad := writeFile(t, c.dir, "bad.yaml", m.Manifest("badkey", bucket, m.SecretKey+"x"))
	c.ok("conn", "create", "-f", good)
	c.ok("conn", "create", "-f", bad)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	onServer := "server " + host
	offline := newCLI(t, nil).with("TETHER_URL", "http://"+closedPort(t))
	tests := []struct {
		name string
		cli  *cli
		args []string
		code int
		ok   bool
		from string
	}{
		{"stored", c, []string{"good"}, 0, true, onServer},
		{"stored, wrong key", c, []string{"badkey"}, 3, false, onServer},
		{"unsaved", c, []string{"-f", good}, 0, true, onServer},
		{"unsaved, wrong key", c, []string{"-f", bad}, 3, false, onServer},
		{"local", c, []string{"--local", "good"}, 0, true, "local"},
		{"local file, no server", offline, []string{"--local", "-f", good}, 0, true, "local"},
		{"local file, wrong key", offline, []string{"--local", "-f", bad}, 3, false, "local"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.cli.run("", append([]string{"conn", "test", "-o", "json"}, tc.args...)...)
			wantExit(t, r, tc.code)
			var got []testReport
			if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || len(got) != 1 {
				t.Fatalf("stdout %q: want one result (%v)", r.Stdout, err)
			}
			if got[0].OK != tc.ok || got[0].From != tc.from || got[0].Message == "" {
				t.Errorf("result %+v, want ok %v from %q", got[0], tc.ok, tc.from)
			}
			noSecrets(t, m, r.Stdout+r.Stderr)
		})
	}
	t.Run("table and LAST TEST", func(t *testing.T) {
		r := c.run("", "conn", "test", "good", "badkey")
		wantExit(t, r, 3)
		for _, want := range []string{"RESULT", "good", "ok", "badkey", "failed", "SignatureDoesNotMatch"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("conn test table %q lacks %q", r.Stdout, want)
			}
		}
		table := c.ok("conn", "get", "-o", "table")
		for _, row := range []string{"good", "badkey"} {
			want := map[string]string{"good": "ok ", "badkey": "failed "}[row]
			if !strings.Contains(lineOf(table, row), want) || !strings.Contains(lineOf(table, row), " ago") {
				t.Errorf("conn get row of %s %q: want LAST TEST %q... ago", row, lineOf(table, row), want)
			}
		}
	})
}

// lineOf returns the line of text that starts with prefix.
func lineOf(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}

// noSecrets fails t if out holds one of MinIO's keys, plain or base64.
func noSecrets(t *testing.T, m *miniotest.MinIO, out string) {
	t.Helper()
	for _, s := range []string{m.SecretKey, b64(m.SecretKey), m.AccessKey, b64(m.AccessKey)} {
		if strings.Contains(out, s) {
			t.Errorf("output holds a secret: %q", out)
		}
	}
}

// TestConnTestEgressPolicy: without --test-allow-cidr the server refuses to
// reach the loopback address of the test MinIO, and says how to allow it;
// a bad --test-allow-cidr stops the server from starting.
func TestConnTestEgressPolicy(t *testing.T) {
	t.Parallel()
	m := miniotest.Load(t)
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "good.yaml", m.Manifest("good", "any-bucket", m.SecretKey)))
	r := c.run("", "conn", "test", "good")
	wantExit(t, r, 3)
	for _, want := range []string{"failed", "refused", "loopback", "--test-allow-cidr"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("conn test %q lacks %q", r.Stdout, want)
		}
	}
	for _, bad := range [][2]string{{"--test-allow-cidr", "10.0.0.1/8"}, {"--test-allow-cidr", "not-a-cidr"},
		{"--test-allow-cidr", "127.0.0.1/32,fe80::/129"}, {"--test-timeout", "0s"}, {"--test-concurrency", "0"}} {
		f := startServerExpectingFailure(t, serverOptions{Args: bad[:]})
		if f.Code != 2 || !strings.Contains(f.Stderr, bad[0]) {
			t.Errorf("%s %s: exit %d, stderr %q; want 2 naming the flag", bad[0], bad[1], f.Code, f.Stderr)
		}
	}
}
