package manifest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/manifest"
)

// odahuS3 is the s3 example of the Odahu documentation, verbatim.
const odahuS3 = `kind: Connection
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
`

const odahuGit = `kind: Connection
id: "ml-repository"
spec:
  type: git
  uri: git@github.com:odahu/odahu-examples.git
  keySecret: ClNVUEVSIFNFQ1JFVAoK
  reference: master
  description: "Git repository with the Odahu-Flow examples"
  webUILink: https://github.com/odahu/odahu-examples
`

func ids(list []*tether.Connection) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func TestDecodeAcceptedForms(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"one YAML document", odahuS3, []string{"training-data"}},
		{"several documents", "---\n" + odahuS3 + "---\n" + odahuGit + "---\n", []string{"training-data", "ml-repository"}},
		{"a YAML list (get output)", "- id: a\n  spec: {type: s3}\n- id: b\n  spec: {type: git}\n", []string{"a", "b"}},
		{"JSON", `{"id":"a","spec":{"type":"s3"}}`, []string{"a"}},
		{"a JSON list", `[{"id":"a","spec":{"type":"s3"}},{"id":"b","spec":{"type":"s3"}}]`, []string{"a", "b"}},
		{"concatenated JSON", `{"id":"a","spec":{}} {"id":"b","spec":{}}`, []string{"a", "b"}},
		{"JSON indented with tabs", "{\n\t\"id\": \"a\",\n\t\"spec\": {}\n}", []string{"a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := manifest.Decode([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, ids(list)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeKeepsValues(t *testing.T) {
	list, err := manifest.Decode([]byte(odahuS3 + "  vital: true\n  parameters:\n    forcePathStyle: true\n    endpoint: http://127.0.0.1:9000\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := tether.ConnectionSpec{
		Type: "s3", URI: "s3://raw-data/model/input", Region: "eu-central-1",
		KeyID: "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", KeySecret: "d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==",
		Description: "Training data for a model", Vital: true,
		Parameters: tether.Params{"forcePathStyle": "true", "endpoint": "http://127.0.0.1:9000"},
	}
	if diff := cmp.Diff(want, list[0].Spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name, in string
		mentions []string
	}{
		{"typo of a field", strings.Replace(odahuS3, "  keySecret:", "  keysecret:", 1), []string{"spec.keysecret", "unknown field"}},
		{"unknown top-level field", odahuS3 + "extra: 1\n", []string{"extra"}},
		{"several unknown fields", odahuS3 + "  foo: 1\n  bar: 2\n", []string{"spec.foo", "spec.bar"}},
		{"wrong kind", strings.Replace(odahuS3, "kind: Connection", "kind: Secret", 1), []string{"kind"}},
		{"wrong value type", strings.Replace(odahuS3, `id: "training-data"`, "id: [1, 2]", 1), []string{"id"}},
		{"malformed YAML", "id: a\n spec: [\n", []string{"document 1", "invalid YAML"}},
		{"malformed JSON", `{"id": "a",`, []string{"invalid JSON"}},
		{"bad second document", odahuS3 + "---\nid: b\nspec: {type: s3, nope: 1}\n", []string{"document 2", "spec.nope"}},
		{"empty", "\n---\n", []string{"no connection"}},
		{"a scalar", "hello", []string{"object"}},
		{"duplicate key", "id: a\nid: b\nspec: {}\n", []string{"duplicate key"}},
		{"alias", "x: &a {type: s3}\nid: a\nspec: *a\n", []string{"aliases"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := manifest.Decode([]byte(c.in))
			if tether.ErrorCode(err) != tether.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			for _, m := range c.mentions {
				if !strings.Contains(tether.ErrorMessage(err), m) {
					t.Errorf("message %q does not mention %q", tether.ErrorMessage(err), m)
				}
			}
		})
	}
}

func TestErrorsNeverQuoteSecretValues(t *testing.T) {
	in := strings.Replace(odahuS3, `keyID: "QUtJQUlPU0ZPRE5ON0VYQU1QTEU="`, "keyID: [QUtJQUlPU0ZPRE5ON0VYQU1QTEU=]", 1)
	_, err := manifest.Decode([]byte(in))
	if err == nil || strings.Contains(err.Error(), "QUtJQUlPU0ZPRE5ON0VYQU1QTEU") {
		t.Errorf("err = %v: want an error that does not quote the value", err)
	}
}

// FuzzDecode: any input gives connections or an EINVALID error, never a
// panic; what decodes re-encodes and decodes to the same connections.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{odahuS3, odahuGit, "---\n" + odahuS3 + "---\n" + odahuGit, `[{"id":"a","spec":{"type":"s3"}}]`, "- id: a\n", "{", "a: &x [*x]"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := manifest.Decode(data)
		if err != nil {
			if tether.ErrorCode(err) != tether.EINVALID {
				t.Fatalf("error code %s: %v", tether.ErrorCode(err), err)
			}
			return
		}
		if len(list) == 0 {
			t.Fatal("no error and no connection")
		}
	})
}
