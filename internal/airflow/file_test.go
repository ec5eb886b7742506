package airflow_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/airflow"
)

// TestParseFile reads the fixtures, written as `airflow connections export`
// writes each format, and checks what each entry becomes.
func TestParseFile(t *testing.T) {
	type want struct{ connType, login, password, host, schema, extraKey string }
	tests := []struct {
		file    string
		entries map[string]want
		bad     map[string]string // conn_id: error fragment
	}{
		{"connections.json", map[string]want{
			"docker_registry": {"docker", "ci-bot", "r3g!stry:pass@word", "registry.example.com", "", "reauth"},
			"gcs_models":      {"google_cloud_platform", "", "", "", "ml-models/prod", "keyfile_dict"},
			"s3_raw_data":     {"aws", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", "", "service_config"},
			"tableau_default": {"tableau", "user", "password", "https://tableau.server.url", "", "site_id"},
		}, nil},
		{"connections.yaml", map[string]want{
			"MinIO-Artifacts": {"aws", "minioadmin", "minio/secret+key", "", "", "config_kwargs"},
			"azure_sas":       {"wasb", "acct", "", "", "models", "sas_token"},
			"git_ml_repo":     {"git", "", "", "git@github.com:org/ml-repo.git", "", "private_key"},
		}, nil},
		{"connections.env", map[string]want{
			"docker_hub": {"docker", "hubuser", "hub/p@ss", "docker.io", "", ""},
			"s3_uri":     {"aws", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", "", "service_config"},
			"s3_json":    {"aws", "AKIAIOSFODNN7EXAMPLE", "json/secret", "", "", "service_config"},
		}, map[string]string{"broken": "port must be a number"}},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		entries, err := airflow.ParseFile(tt.file, data)
		if err != nil {
			t.Fatalf("ParseFile(%s) = %v", tt.file, err)
		}
		if len(entries) != len(tt.entries)+len(tt.bad) {
			t.Errorf("%s: %d entries, want %d", tt.file, len(entries), len(tt.entries)+len(tt.bad))
		}
		for _, e := range entries {
			if frag, ok := tt.bad[e.ConnID]; ok {
				if e.Err == nil || !strings.Contains(e.Err.Error(), frag) {
					t.Errorf("%s %s: error %v, want one containing %q", tt.file, e.ConnID, e.Err, frag)
				}
				continue
			}
			w, ok := tt.entries[e.ConnID]
			if !ok || e.Err != nil {
				t.Errorf("%s: entry %q (err %v) not expected", tt.file, e.ConnID, e.Err)
				continue
			}
			c := e.Conn
			got := want{c.ConnType, c.Login, c.Password.Reveal(), c.Host, c.Schema, ""}
			if _, has := c.Extra[w.extraKey]; has {
				got.extraKey = w.extraKey
			}
			if got != w {
				t.Errorf("%s %s = %+v, want %+v", tt.file, e.ConnID, got, w)
			}
		}
	}
}

// TestParseFileRefused checks that unreadable files name the file and the
// place, never a value.
func TestParseFileRefused(t *testing.T) {
	const pw = "Sup3rSecret"
	tests := []struct{ name, data, want string }{
		{"c.json", `{"a": {"conn_type": "x", "password": "` + pw + `"}`, "c.json: is not valid JSON"},
		{"c.json", `["` + pw + `"]`, "must be a JSON object"},
		{"c.json", "{\"a\": \"x://u:" + pw + "\xff@h\"}", "c.json is not valid UTF-8"},
		{"c.yaml", "a:\n  password: " + pw + "\n b: [", "c.yaml is not valid YAML: error at line"},
		{"c.yaml", "a: {conn_type: x}\na: {conn_type: y}\n", "not valid YAML"},
		{"c.yaml", "- " + pw + "\n", "must be a mapping"},
		{"c.yaml", "", "c.yaml is empty"},
		{"c.env", "a=x://h\nb\n=x://h\nc=\na=y://h\n", "line 2 has no '='; line 3 has no conn_id before '='; line 4 has no value after '='; line 5 gives conn_id \"a\" again"},
		{"c.txt", "a=b", "must end in .json, .yaml, .yml or .env"},
	}
	for _, tt := range tests {
		_, err := airflow.ParseFile(tt.name, []byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseFile(%s, %q) = %v, want an error containing %q", tt.name, tt.data, err, tt.want)
			continue
		}
		if tether.ErrorCode(err) != tether.EINVALID || strings.Contains(err.Error(), pw) {
			t.Errorf("ParseFile(%s) = %v: want EINVALID without the value", tt.name, err)
		}
	}
	entries, err := airflow.ParseFile("c.json", []byte(`{"a": 1, "b": {"conn_type": "x", "conn_id": "c"}, "d": {"conn_type": "x", "extra": "{}", "extra_dejson": {}}}`))
	if err != nil || len(entries) != 3 {
		t.Fatalf("ParseFile = %v, %v", entries, err)
	}
	for _, e := range entries {
		if e.Err == nil {
			t.Errorf("entry %s: no error", e.ConnID)
		}
	}
}

// TestParseEnviron reads AIRFLOW_CONN_* variables: the conn_id is the
// lower-cased rest of the name; other variables are ignored.
func TestParseEnviron(t *testing.T) {
	entries := airflow.ParseEnviron([]string{
		"HOME=/root", "AIRFLOW_CONN_=x://h", "AIRFLOW_CONN_MY_DB=postgres://u:p@db/x",
		`AIRFLOW_CONN_S3={"conn_type": "aws", "login": "k"}`, "AIRFLOW_CONN_BAD=::",
	})
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ConnID)
	}
	if strings.Join(ids, ",") != "bad,my_db,s3" {
		t.Fatalf("conn_ids %v, want bad,my_db,s3", ids)
	}
	if entries[0].Err == nil || entries[1].Conn.Schema != "x" || entries[2].Conn.Login != "k" {
		t.Errorf("entries %+v", entries)
	}
	if got := airflow.EnvName("my_db"); got != "AIRFLOW_CONN_MY_DB" {
		t.Errorf("EnvName = %s", got)
	}
}
