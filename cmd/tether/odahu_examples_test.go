package main_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"testing"

	"golang.org/x/crypto/ssh"
)

// The connection examples of Odahu-flow's documentation
// (shared/seeds/000_53a65a5626dfce05.txt), verbatim but for the ids, which
// the documentation reuses across types, and the gcs uri's "gsc://" typo.
const (
	// serviceAccountB64 is the documentation's base64 service-account JSON,
	// used as the gcs keySecret and the docker password.
	serviceAccountB64 = "ewogICAgInR5cGUiOiAic2VydmljZV9hY2NvdW50IiwKICAgICJwcm9qZWN0X2lkIjogInByb2plY3RfaWQiLAogICAgInByaXZhdGVfa2V5X2lkIjogInByaXZhdGVfa2V5X2lkIiwKICAgICJwcml2YXRlX2tleSI6ICItLS0tLUJFR0lOIFBSSVZBVEUgS0VZLS0tLS1cbnByaXZhdGVfa2V5XG4tLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tXG4iLAogICAgImNsaWVudF9lbWFpbCI6ICJ0ZXN0QHByb2plY3RfaWQuaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLAogICAgImNsaWVudF9pZCI6ICIxMjM0NTU2NzgiLAogICAgImF1dGhfdXJpIjogImh0dHBzOi8vYWNjb3VudHMuZ29vZ2xlLmNvbS9vL29hdXRoMi9hdXRoIiwKICAgICJ0b2tlbl91cmkiOiAiaHR0cHM6Ly9vYXV0aDIuZ29vZ2xlYXBpcy5jb20vdG9rZW4iLAogICAgImF1dGhfcHJvdmlkZXJfeDUwOV9jZXJ0X3VybCI6ICJodHRwczovL3d3dy5nb29nbGVhcGlzLmNvbS9vYXV0aDIvdjEvY2VydHMiLAogICAgImNsaWVudF94NTA5X2NlcnRfdXJsIjogImh0dHBzOi8vd3d3Lmdvb2dsZWFwaXMuY29tL3JvYm90L3YxL21ldGFkYXRhL3g1MDkvdGVzdEBwcm9qZWN0X2lkLmlhbS5nc2VydmljZWFjY291bnQuY29tIgp9"
	// azureSASB64 is the documentation's base64 "<blob endpoint>/<SAS token>".
	azureSASB64     = "aHR0cHM6Ly9teWFjY291bnQuYmxvYi5jb3JlLndpbmRvd3MubmV0Lz9yZXN0eXBlPXNlcnZpY2UmY29tcD1wcm9wZXJ0aWVzJnN2PTIwMTktMDItMDImc3M9YmYmc3J0PXMmc3Q9MjAxOS0wOC0wMVQyMiUzQTE4JTNBMjZaJnNlPTIwMTktMDgtMTBUMDIlM0EyMyUzQTI2WiZzcj1iJnNwPXJ3JnNpcD0xNjguMS41LjYwLTE2OC4xLjUuNzAmc3ByPWh0dHBzJnNpZz1GJTZHUlZBWjVDZGoyUHc0dGdVN0lsU1RrV2duN2JVa2tBZzhQNkhFU1h3bWYlNEI="
	awsKeyIDB64     = "QUtJQUlPU0ZPRE5ON0VYQU1QTEU="
	awsKeySecretB64 = "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ=="
)

// odahuExamplesYAML holds five of the documentation's examples in one
// multi-document file.
const odahuExamplesYAML = `kind: Connection
id: "training-data"
spec:
  type: s3
  uri: s3://raw-data/model/input
  # keyID before base64-encoding: AKIAIOSFODNN7EXAMPLE
  keyID: "QUtJQUlPU0ZPRE5ON0VYQU1QTEU="
  # keySecret before base64 encoding: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  keySecret: "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ=="
  description: "Training data for a model"
  region: eu-central-1
---
kind: Connection
id: "training-data-gcs"
spec:
  type: gcs
  uri: gs://raw-data/model/input
  keySecret: ` + serviceAccountB64 + `
  description: "Training data for a model"
  region: us-central2
---
kind: Connection
id: "training-data-azure"
spec:
  type: azureblob
  uri: raw-data/model/input
  keySecret: ` + azureSASB64 + `
  description: "Training data for a model"
---
kind: Connection
id: "docker-registry"
spec:
  type: docker
  uri: gcr.io/project/odahuflow
  username: "_json"
  password: ` + serviceAccountB64 + `
---
kind: Connection
id: "docker-registry-ecr"
spec:
  type: ecr
  uri: 5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow
  # keyID before base64-encoding: "AKIAIOSFODNN7EXAMPLE"
  keyID: QUtJQUlPU0ZPRE5ON0VYQU1QTEU=
  # keySecret before base64-encoding: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  keySecret: d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==
  description: "Packager registry"
  region: eu-central-1
`

// odahuGitYAML is the documentation's git example; its keySecret is not a
// usable private key, so it is created with --set-secret keySecret=@FILE.
const odahuGitYAML = `kind: Connection
id: "ml-repository"
spec:
  type: git
  uri: git@github.com:odahu/odahu-examples.git
  keySecret: ClNVUEVSIFNFQ1JFVAoK
  reference: master
  description: "Git repository with the Odahu-Flow examples"
  webUILink: https://github.com/odahu/odahu-examples
`

// odahuBadDockerYAML is the documentation's second docker example, whose
// password "bXlwYXNzd29yZA===" is not valid base64.
const odahuBadDockerYAML = `kind: Connection
id: "docker-registry"
spec:
  type: docker
  uri: docker.io/odahu/
  username: username
  # password before encoding: mypassword
  password: bXlwYXNzd29yZA===
`

// newSSHKey returns a fresh ed25519 private key in OpenSSH PEM form.
func newSSHKey(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

// createOdahuExamples creates the five examples from one multi-document
// file and the git example with a fresh key given by --set-secret, checks
// what the CLI printed, and returns the PEM key.
func createOdahuExamples(t *testing.T, c *cli) string {
	t.Helper()
	file := writeFile(t, c.dir, "odahu.yaml", odahuExamplesYAML)
	out := c.ok("conn", "create", "-f", file)
	want := "connection \"training-data\" created\n" +
		"connection \"training-data-gcs\" created\n" +
		"connection \"training-data-azure\" created\n" +
		"connection \"docker-registry\" created\n" +
		"connection \"docker-registry-ecr\" created\n"
	if out != want {
		t.Fatalf("create -f odahu.yaml printed:\n%s\nwant:\n%s", out, want)
	}
	key := newSSHKey(t)
	keyFile := writeFile(t, c.dir, "id_ed25519", key)
	gitFile := writeFile(t, c.dir, "git.yaml", odahuGitYAML)
	if out := c.ok("conn", "create", "-f", gitFile, "--set-secret", "keySecret=@"+keyFile); out != "connection \"ml-repository\" created\n" {
		t.Fatalf("create git printed %q", out)
	}
	return key
}
