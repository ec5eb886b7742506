package main_test

import (
	"strings"
	"testing"
)

// vitalYAML is a vital connection, which cannot be deleted.
const vitalYAML = `kind: Connection
id: vital-data
spec:
  type: s3
  uri: s3://raw-data/vital
  keyID: "QUtJQUlPU0ZPRE5ON0VYQU1QTEU="
  keySecret: "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ=="
  region: eu-central-1
  vital: true
`

// storageYAML names two of the examples, for delete -f.
const storageYAML = `kind: Connection
id: training-data-gcs
spec: {type: gcs}
---
kind: Connection
id: training-data-azure
spec: {type: azureblob}
`

// TestConnDelete deletes by id and by file, ignores or reports unknown
// ids, and refuses to delete a vital connection.
func TestConnDelete(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	createOdahuExamples(t, c)
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "vital.yaml", vitalYAML))
	storage := writeFile(t, c.dir, "storage.yaml", storageYAML)

	steps := []struct {
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{[]string{"--id", "training-data"}, 0, "connection \"training-data\" deleted\n", nil},
		{[]string{"-f", storage}, 0,
			"connection \"training-data-gcs\" deleted\nconnection \"training-data-azure\" deleted\n", nil},
		{[]string{"-f", storage, "--ignore-not-found"}, 0,
			"connection \"training-data-gcs\" not found in namespace \"default\" (ignored)\nconnection \"training-data-azure\" not found in namespace \"default\" (ignored)\n", nil},
		{[]string{"--id", "training-data", "--ignore-not-found"}, 0, "connection \"training-data\" not found in namespace \"default\" (ignored)\n", nil},
		{[]string{"--id", "training-data"}, 4, "", []string{`connection "training-data" is not found in namespace "default"`}},
		{[]string{"-f", storage}, 4, "", []string{"Error: connection \"training-data-gcs\" is not found in namespace \"default\"\n" +
			"Error: connection \"training-data-azure\" is not found in namespace \"default\"\n" +
			"Error: 2 of 2 connections failed\n"}},
		{[]string{"--id", "vital-data"}, 3, "", []string{`connection "vital-data" is vital and cannot be deleted`}},
		{nil, 2, "", []string{"give --id ID or -f FILE"}},
		{[]string{"--id", "vital-data", "-f", storage}, 2, "", []string{"give --id or -f, not both"}},
	}
	for _, st := range steps {
		args := append([]string{"conn", "delete"}, st.args...)
		r := c.run("", args...)
		wantExit(t, r, st.code)
		if r.Stdout != st.stdout {
			t.Errorf("tether %v: stdout %q, want %q", args, r.Stdout, st.stdout)
		}
		if st.code == 0 && r.Stderr != "" {
			t.Errorf("tether %v: stderr %q, want nothing", args, r.Stderr)
		}
		for _, f := range st.stderr {
			if !strings.Contains(r.Stderr, f) {
				t.Errorf("tether %v: stderr %q, want it to contain %q", args, r.Stderr, f)
			}
		}
	}
	out := c.ok("conn", "get", "-o", "jsonpath={[*].id}")
	if want := "docker-registry docker-registry-ecr ml-repository vital-data\n"; out != want {
		t.Errorf("remaining ids %q, want %q", out, want)
	}
	s.stop()
}
