package main_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// timestamps matches the status times of YAML and JSON output.
var timestamps = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`)

// odahuSpecs returns the specs of the created examples as posted, with
// gitKey as the git keySecret (PEM, before base64).
func odahuSpecs(gitKey string) map[string]map[string]any {
	return map[string]map[string]any{
		"training-data": {"type": "s3", "uri": "s3://raw-data/model/input", "region": "eu-central-1",
			"keyID": awsKeyIDB64, "keySecret": awsKeySecretB64, "description": "Training data for a model", "vital": false},
		"training-data-gcs": {"type": "gcs", "uri": "gs://raw-data/model/input", "region": "us-central2",
			"keySecret": serviceAccountB64, "description": "Training data for a model", "vital": false},
		"training-data-azure": {"type": "azureblob", "uri": "raw-data/model/input",
			"keySecret": azureSASB64, "description": "Training data for a model", "vital": false},
		"docker-registry": {"type": "docker", "uri": "gcr.io/project/odahuflow", "username": "_json",
			"password": serviceAccountB64, "vital": false},
		"docker-registry-ecr": {"type": "ecr", "uri": "5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow",
			"region": "eu-central-1", "keyID": awsKeyIDB64, "keySecret": awsKeySecretB64,
			"description": "Packager registry", "vital": false},
		"ml-repository": {"type": "git", "uri": "git@github.com:odahu/odahu-examples.git", "reference": "master",
			"keySecret": b64(gitKey), "description": "Git repository with the Odahu-Flow examples",
			"webUILink": "https://github.com/odahu/odahu-examples", "vital": false},
	}
}

// masked returns spec with every secret field replaced by the mask.
func masked(spec map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range spec {
		switch k {
		case "password", "keyID", "keySecret":
			v = "*****"
		}
		out[k] = v
	}
	return out
}

// sortedIDs is the order in which lists print the examples (by id).
var sortedIDs = []string{"docker-registry", "docker-registry-ecr", "ml-repository",
	"training-data", "training-data-azure", "training-data-gcs"}

const wantYAMLList = `- id: docker-registry
  kind: Connection
  namespace: default
  spec:
    password: '*****'
    type: docker
    uri: gcr.io/project/odahuflow
    username: _json
    vital: false
  status:
    createdAt: TIME
    updatedAt: TIME
    version: 1
- id: docker-registry-ecr
  kind: Connection
  namespace: default
  spec:
    description: Packager registry
    keyID: '*****'
    keySecret: '*****'
    region: eu-central-1
    type: ecr
    uri: 5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow
    vital: false
  status:
    createdAt: TIME
    updatedAt: TIME
    version: 1
- id: ml-repository
  kind: Connection
  namespace: default
  spec:
    description: Git repository with the Odahu-Flow examples
    keySecret: '*****'
    reference: master
    type: git
    uri: git@github.com:odahu/odahu-examples.git
    vital: false
    webUILink: https://github.com/odahu/odahu-examples
  status:
    createdAt: TIME
    updatedAt: TIME
    version: 1
- id: training-data
  kind: Connection
  namespace: default
  spec:
    description: Training data for a model
    keyID: '*****'
    keySecret: '*****'
    region: eu-central-1
    type: s3
    uri: s3://raw-data/model/input
    vital: false
  status:
    createdAt: TIME
    updatedAt: TIME
    version: 1
- id: training-data-azure
  kind: Connection
  namespace: default
  spec:
    description: Training data for a model
    keySecret: '*****'
    type: azureblob
    uri: raw-data/model/input
    vital: false
  status:
    createdAt: TIME
    expiry:
      at: TIME
      what: SAS token
    updatedAt: TIME
    version: 1
- id: training-data-gcs
  kind: Connection
  namespace: default
  spec:
    description: Training data for a model
    keySecret: '*****'
    region: us-central2
    type: gcs
    uri: gs://raw-data/model/input
    vital: false
  status:
    createdAt: TIME
    updatedAt: TIME
    version: 1
`

// expiredDays matches the EXPIRES cell of the azure example, whose SAS
// token expired in 2019: its count of days (four digits until 2047) is
// replaced with NNNN.
var expiredDays = regexp.MustCompile(`expired \d{4}d ago`)

// wantTable is "conn get -o table" of the examples; tabwriter pads the
// empty description of docker-registry, hence the trailing blanks.
var wantTable = strings.Join([]string{
	"ID                   TYPE       URI                                                      VITAL  LAST TEST  EXPIRES            DESCRIPTION",
	"docker-registry      docker     gcr.io/project/odahuflow                                 false  -          -                  ",
	"docker-registry-ecr  ecr        5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow  false  -          -                  Packager registry",
	"ml-repository        git        git@github.com:odahu/odahu-examples.git                  false  -          -                  Git repository with the Odahu-Flow examples",
	"training-data        s3         s3://raw-data/model/input                                false  -          -                  Training data for a model",
	"training-data-azure  azureblob  raw-data/model/input                                     false  -          expired NNNNd ago  Training data for a model",
	"training-data-gcs    gcs        gs://raw-data/model/input                                false  -          -                  Training data for a model",
	"",
}, "\n")

// TestConnGet creates Odahu's documented examples through the CLI and reads
// them back in every output format, masked and decrypted.
func TestConnGet(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	specs := odahuSpecs(createOdahuExamples(t, c))

	t.Run("default yaml list", func(t *testing.T) {
		out := timestamps.ReplaceAllString(c.ok("conn", "get"), "TIME")
		if diff := cmp.Diff(wantYAMLList, out); diff != "" {
			t.Errorf("conn get (-want +got):\n%s", diff)
		}
	})
	t.Run("json list, masked", func(t *testing.T) {
		out := c.ok("conn", "get", "-o", "json")
		list := decodeList(t, out)
		var ids []string
		for _, conn := range list {
			ids = append(ids, conn.ID)
			if diff := cmp.Diff(masked(specs[conn.ID]), conn.Spec); diff != "" {
				t.Errorf("%s: spec (-want +got):\n%s", conn.ID, diff)
			}
			if conn.Kind != "Connection" || conn.Status.Version != 1 || conn.Status.CreatedAt == "" ||
				conn.Status.CreatedAt != conn.Status.UpdatedAt {
				t.Errorf("%s: kind %q, status %+v", conn.ID, conn.Kind, conn.Status)
			}
		}
		if diff := cmp.Diff(sortedIDs, ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		if alias := c.ok("conn", "get", "--format", "json"); alias != out {
			t.Errorf("--format json printed\n%s\nwant the output of -o json:\n%s", alias, out)
		}
	})
	t.Run("table", func(t *testing.T) {
		if diff := cmp.Diff(wantTable, expiredDays.ReplaceAllString(c.ok("conn", "get", "-o", "table"), "expired NNNNd ago")); diff != "" {
			t.Errorf("conn get -o table (-want +got):\n%s", diff)
		}
	})
	t.Run("jsonpath", func(t *testing.T) {
		for _, expr := range []string{"jsonpath=[*].spec.reference", "jsonpath={[*].spec.reference}"} {
			if out := c.ok("conn", "get", "--id", "ml-repository", "-o", expr); out != "master\n" {
				t.Errorf("-o %s printed %q, want %q", expr, out, "master\n")
			}
		}
	})
	t.Run("type filter", func(t *testing.T) {
		out := c.ok("conn", "get", "--type", "s3", "--type", "ecr", "-o", "jsonpath={[*].id}")
		if want := "docker-registry-ecr training-data\n"; out != want {
			t.Errorf("--type s3 --type ecr printed ids %q, want %q", out, want)
		}
	})
	t.Run("decrypted", func(t *testing.T) {
		for _, id := range sortedIDs {
			for _, flag := range []string{"--decrypted", "-d"} {
				list := decodeList(t, c.ok("conn", "get", "--id", id, flag, "-o", "json"))
				if len(list) != 1 {
					t.Fatalf("%s %s: %d connections", id, flag, len(list))
				}
				if diff := cmp.Diff(specs[id], list[0].Spec); diff != "" {
					t.Errorf("%s %s: spec (-want +got):\n%s", id, flag, diff)
				}
			}
		}
		all := decodeList(t, c.ok("conn", "get", "-d", "-o", "json"))
		for _, conn := range all {
			if diff := cmp.Diff(specs[conn.ID], conn.Spec); diff != "" {
				t.Errorf("get -d (all) %s: spec (-want +got):\n%s", conn.ID, diff)
			}
		}
		if len(all) != len(sortedIDs) {
			t.Errorf("get -d (all) printed %d connections, want %d", len(all), len(sortedIDs))
		}
	})
	t.Run("id completion", func(t *testing.T) {
		r := c.run("", "__complete", "conn", "get", "--id", "")
		wantExit(t, r, 0)
		if want := strings.Join(sortedIDs, "\n") + "\n:4\n"; r.Stdout != want {
			t.Errorf("completion of --id printed %q, want %q", r.Stdout, want)
		}
	})
	t.Run("raw API masks", func(t *testing.T) {
		status, body := s.api(http.MethodGet, "/api/v1/connection/ml-repository", nil)
		if status != http.StatusOK || !strings.Contains(string(body), `"keySecret":"*****"`) {
			t.Errorf("GET ml-repository: %d %s, want 200 with keySecret masked", status, body)
		}
	})
	s.stop()
}
