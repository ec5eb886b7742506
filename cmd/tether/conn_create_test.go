package main_test

import (
	"strings"
	"testing"
)

// typoYAML misspells keySecret as keysecret.
const typoYAML = `kind: Connection
id: typo
spec:
  type: s3
  uri: s3://raw-data/model/input
  keyID: "QUtJQUlPU0ZPRE5ON0VYQU1QTEU="
  keysecret: "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ=="
  region: eu-central-1
`

// TestConnCreateRejectsInvalidInput checks that bad files and flags are
// refused with the documented exit code, a message naming the offending
// field and never quoting a secret, and that nothing is written.
func TestConnCreateRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	keyFile := writeFile(t, c.dir, "id_ed25519", newSSHKey(t))
	tests := []struct {
		name    string
		file    string
		args    []string
		code    int
		want    string
		neverIn string // a secret value stderr must not quote
	}{
		{"invalid base64 password", odahuBadDockerYAML, nil, 3,
			`connection "docker-registry" is invalid: spec.password: must be base64-encoded`, "bXlwYXNzd29yZA==="},
		{"typo field", typoYAML, nil, 3, `spec.keysecret: unknown field`, awsKeySecretB64},
		{"secret value on the command line", odahuGitYAML, []string{"--set-secret", "keySecret=hunter2-literal"}, 2,
			"secret values are never given on the command line", "hunter2-literal"},
		{"not a secret field", odahuGitYAML, []string{"--set-secret", "reference=@" + keyFile}, 2,
			"--set-secret reference: not a secret field of type git", "PRIVATE KEY"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, c.dir, strings.Repeat("x", i+1)+".yaml", tt.file)
			r := c.run("", append([]string{"conn", "create", "-f", file}, tt.args...)...)
			wantError(t, r, tt.code, tt.want)
			if strings.Contains(r.Stderr, tt.neverIn) {
				t.Errorf("stderr quotes a secret: %q", r.Stderr)
			}
		})
	}
	if out := c.ok("conn", "get", "-o", "json"); out != "[]\n" {
		t.Errorf("after refused creates, conn get printed %q, want an empty list", out)
	}

	// In a file of several connections, each is tried: the valid one is
	// created, the invalid one reported once, and the exit code is its.
	s3 := odahuExamplesYAML[:strings.Index(odahuExamplesYAML, "---")]
	r := c.run("", "conn", "create", "-f", writeFile(t, c.dir, "mixed.yaml", s3+"---\n"+odahuBadDockerYAML))
	wantExit(t, r, 3)
	wantStderr := "Error: connection \"docker-registry\" is invalid: " +
		"spec.password: must be base64-encoded (standard alphabet, padded)\n" +
		"Error: 1 of 2 connections failed\n"
	if r.Stdout != "connection \"training-data\" created\n" || r.Stderr != wantStderr {
		t.Errorf("create of a valid and an invalid connection:\nstdout %q\nstderr %q\nwant stderr %q", r.Stdout, r.Stderr, wantStderr)
	}
	if out := c.ok("conn", "get", "-o", "jsonpath={[*].id}"); out != "training-data\n" {
		t.Errorf("after the mixed create, ids %q, want training-data", out)
	}
	s.stop()
}
