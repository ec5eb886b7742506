package conntype_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// The examples of Odahu's "Connections" documentation (seeds/000), exactly
// as printed, in their JSON form.
const (
	odahuGeneral = `{"kind": "Connection", "id": "id-12345", "spec": {
		"description": "Some description", "webUILink": "https://test.org/123",
		"uri": "s3://some-bucket/path/file", "type": "s3", "username": "admin", "password": "admin",
		"role": "some-role", "region": "some region", "reference": "develop", "keyID": "1234567890",
		"keySecret": "b2RhaHUK", "publicKey": "b2RhaHUK", "vital": false}}`
	odahuS3 = `{"kind": "Connection", "id": "training-data", "spec": {"type": "s3",
		"uri": "s3://raw-data/model/input", "keyID": "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=",
		"keySecret": "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==",
		"description": "Training data for a model", "region": "eu-central-1"}}`
	odahuGCS = `{"kind": "Connection", "id": "training-data", "spec": {"type": "gcs",
		"uri": "gsc://raw-data/model/input", "keySecret": "` + odahuSAKey + `",
		"description": "Training data for a model", "region": "us-central2"}}`
	odahuAzureBlob = `{"kind": "Connection", "id": "training-data", "spec": {"type": "azureblob",
		"uri": "raw-data/model/input", "keySecret": "aHR0cHM6Ly9teWFjY291bnQuYmxvYi5jb3JlLndpbmRvd3MubmV0Lz9yZXN0eXBlPXNlcnZpY2UmY29tcD1wcm9wZXJ0aWVzJnN2PTIwMTktMDItMDImc3M9YmYmc3J0PXMmc3Q9MjAxOS0wOC0wMVQyMiUzQTE4JTNBMjZaJnNlPTIwMTktMDgtMTBUMDIlM0EyMyUzQTI2WiZzcj1iJnNwPXJ3JnNpcD0xNjguMS41LjYwLTE2OC4xLjUuNzAmc3ByPWh0dHBzJnNpZz1GJTZHUlZBWjVDZGoyUHc0dGdVN0lsU1RrV2duN2JVa2tBZzhQNkhFU1h3bWYlNEI=",
		"description": "Training data for a model"}}`
	odahuGit = `{"kind": "Connection", "id": "ml-repository", "spec": {"type": "git",
		"uri": "git@github.com:odahu/odahu-examples.git", "keySecret": "ClNVUEVSIFNFQ1JFVAoK",
		"reference": "master", "description": "Git repository with the Odahu-Flow examples",
		"webUILink": "https://github.com/odahu/odahu-examples"}}`
	odahuDocker1 = `{"kind": "Connection", "id": "docker-registry", "spec": {"type": "docker",
		"uri": "gcr.io/project/odahuflow", "username": "_json", "password": "` + odahuSAKey + `"}}`
	odahuDocker2 = `{"kind": "Connection", "id": "docker-registry", "spec": {"type": "docker",
		"uri": "docker.io/odahu/", "username": "username", "password": "bXlwYXNzd29yZA==="}}`
	odahuECR = `{"kind": "Connection", "id": "docker-registry", "spec": {"type": "ecr",
		"uri": "5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow",
		"keyID": "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=",
		"keySecret": "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==",
		"description": "Packager registry", "region": "eu-central-1"}}`

	// odahuSAKey is the base64 service-account key of Odahu's gcs and
	// docker examples.
	odahuSAKey = "ewogICAgInR5cGUiOiAic2VydmljZV9hY2NvdW50IiwKICAgICJwcm9qZWN0X2lkIjogInByb2plY3RfaWQiLAogICAgInByaXZhdGVfa2V5X2lkIjogInByaXZhdGVfa2V5X2lkIiwKICAgICJwcml2YXRlX2tleSI6ICItLS0tLUJFR0lOIFBSSVZBVEUgS0VZLS0tLS1cbnByaXZhdGVfa2V5XG4tLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tXG4iLAogICAgImNsaWVudF9lbWFpbCI6ICJ0ZXN0QHByb2plY3RfaWQuaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLAogICAgImNsaWVudF9pZCI6ICIxMjM0NTU2NzgiLAogICAgImF1dGhfdXJpIjogImh0dHBzOi8vYWNjb3VudHMuZ29vZ2xlLmNvbS9vL29hdXRoMi9hdXRoIiwKICAgICJ0b2tlbl91cmkiOiAiaHR0cHM6Ly9vYXV0aDIuZ29vZ2xlYXBpcy5jb20vdG9rZW4iLAogICAgImF1dGhfcHJvdmlkZXJfeDUwOV9jZXJ0X3VybCI6ICJodHRwczovL3d3dy5nb29nbGVhcGlzLmNvbS9vYXV0aDIvdjEvY2VydHMiLAogICAgImNsaWVudF94NTA5X2NlcnRfdXJsIjogImh0dHBzOi8vd3d3Lmdvb2dsZWFwaXMuY29tL3JvYm90L3YxL21ldGFkYXRhL3g1MDkvdGVzdEBwcm9qZWN0X2lkLmlhbS5nc2VydmljZWFjY291bnQuY29tIgp9"
)

// odahuExamples are the documentation's examples: the ones Odahu's
// documentation gets wrong must fail naming the right field.
var odahuExamples = []struct {
	name string
	json string
	want []string
	msg  string
}{
	{"general structure", odahuGeneral,
		p("spec.keyID", "spec.keySecret", "spec.password", "spec.region", "spec.role"),
		"spec.role: must be an IAM role ARN"},
	{"s3", odahuS3, nil, ""},
	{"gcs with gsc:// typo", odahuGCS, p("spec.uri"), `"gsc://" is a typo of "gcs://"`},
	{"azureblob", odahuAzureBlob, nil, ""},
	{"git with a fake key", odahuGit, p("spec.keySecret"), "spec.keySecret: must be a base64-encoded SSH private key"},
	{"docker with a GCR key", odahuDocker1, nil, ""},
	{"docker with bad base64", odahuDocker2, p("spec.password"), "spec.password: must be base64-encoded"},
	{"ecr", odahuECR, nil, ""},
}

func decode(t testing.TB, data string) *tether.Connection {
	t.Helper()
	c, err := tether.DecodeConnection([]byte(data))
	if err != nil {
		t.Fatalf("DecodeConnection: %v", err)
	}
	return c
}

func TestOdahuExamples(t *testing.T) {
	r := conntype.New()
	for _, ex := range odahuExamples {
		t.Run(ex.name, func(t *testing.T) {
			check(t, validate(t, r, decode(t, ex.json)), ex.want, ex.msg)
		})
	}
}

// TestOdahuExamplesCorrected fixes each wrong example the way its text says
// it should be, and expects it valid.
func TestOdahuExamplesCorrected(t *testing.T) {
	keys := newSSHKeys(t)
	cases := []struct {
		name string
		json string
		fix  func(c *tether.Connection)
	}{
		{"gcs", odahuGCS, func(c *tether.Connection) { c.Spec.URI = "gcs://raw-data/model/input" }},
		{"gcs with gs://", odahuGCS, func(c *tether.Connection) { c.Spec.URI = "gs://raw-data/model/input" }},
		{"git", odahuGit, func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(b64(keys.private)) }},
		{"docker", odahuDocker2, func(c *tether.Connection) { c.Spec.Password = tether.Secret(b64("mypassword")) }},
	}
	r := conntype.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := decode(t, tc.json)
			tc.fix(c)
			check(t, validate(t, r, c), nil, "")
		})
	}
}

// TestOdahuExamplesRoundTrip checks that a valid example, encoded again,
// decodes and validates to the same connection.
func TestOdahuExamplesRoundTrip(t *testing.T) {
	r := conntype.New()
	for _, ex := range odahuExamples {
		if ex.want != nil {
			continue
		}
		c := decode(t, ex.json)
		if err := r.Validate(c); err != nil {
			t.Fatalf("%s: %v", ex.name, err)
		}
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		again := decode(t, string(data))
		if err := r.Validate(again); err != nil {
			t.Errorf("%s: round trip: %v", ex.name, err)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Errorf("%s: round trip changed the connection (-before +after):\n%s", ex.name, diff)
		}
	}
}
