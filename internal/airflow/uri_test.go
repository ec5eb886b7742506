package airflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/airflow"
)

// TestURIRoundTrip writes each connection as Connection.get_uri does, checks
// the URI against the one Airflow writes (computed with urllib's quote and
// urlencode), and reads it back to the same connection.
func TestURIRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		conn tether.AirflowConnection
		uri  string
	}{
		{"plain", tether.AirflowConnection{ConnType: "postgres", Host: "db.example", Login: "etl", Password: "secret", Schema: "analytics", Port: 5432},
			"postgres://etl:secret@db.example:5432/analytics"},
		{"reserved characters in the password", tether.AirflowConnection{ConnType: "mysql", Host: "db", Login: "a@b", Password: "p@ss:w/rd%+ x"},
			"mysql://a%40b:p%40ss%3Aw%2Frd%25%2B%20x@db"},
		{"empty login", tether.AirflowConnection{ConnType: "redis", Host: "cache", Password: "pw", Port: 6379},
			"redis://:pw@cache:6379"},
		{"ipv6 host", tether.AirflowConnection{ConnType: "ssh", Host: "::1", Login: "git", Port: 22},
			"ssh://git@%3A%3A1:22"},
		{"port only", tether.AirflowConnection{ConnType: "http", Port: 8080}, "http://@:8080"},
		{"underscore conn_type", tether.AirflowConnection{ConnType: "google_cloud_platform", Extra: map[string]any{"project": "p1"}},
			"google-cloud-platform:///?project=p1"},
		{"flat extra", tether.AirflowConnection{ConnType: "aws", Login: "AKIA", Password: "s/k+y",
			Extra: map[string]any{"region_name": "eu central", "x": "a+b&c"}},
			"aws://AKIA:s%2Fk%2By@/?region_name=eu+central&x=a%2Bb%26c"},
		{"nested extra", tether.AirflowConnection{ConnType: "aws", Schema: "s",
			Extra: map[string]any{"a": map[string]any{"b": []any{json.Number("1"), json.Number("2")}}}},
			"aws:///s?__extra__=%7B%22a%22%3A%7B%22b%22%3A%5B1%2C2%5D%7D%7D"},
		{"host with protocol", tether.AirflowConnection{ConnType: "docker", Host: "https://registry.example", Login: "u", Password: "p"},
			"docker://https://u:p@registry.example"},
		{"host with a path", tether.AirflowConnection{ConnType: "http", Host: "raw.example.com/Org/"},
			"http://raw.example.com%2FOrg%2F"},
		{"unicode", tether.AirflowConnection{ConnType: "ftp", Host: "ftp", Login: "jürgen", Password: "пароль"},
			"ftp://j%C3%BCrgen:%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C@ftp"},
		{"extra with a newline", tether.AirflowConnection{ConnType: "git", Host: "git@example.com:org/repo.git",
			Extra: map[string]any{"private_key": "-----BEGIN-----\nabc\n"}},
			"git://git%40example.com%3Aorg%2Frepo.git/?private_key=-----BEGIN-----%0Aabc%0A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri, err := airflow.URI(&tt.conn)
			if err != nil {
				t.Fatal(err)
			}
			if uri != tt.uri {
				t.Errorf("URI = %s, want %s", uri, tt.uri)
			}
			back, err := airflow.ParseURI(uri)
			if err != nil {
				t.Fatalf("ParseURI(URI) = %v", err)
			}
			if diff := cmp.Diff(&tt.conn, back); diff != "" {
				t.Errorf("ParseURI(URI(c)) differs from c (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseURI reads URIs written by hand or by older Airflows, whose
// reading is not the inverse of a URI Tether writes.
func TestParseURI(t *testing.T) {
	tests := []struct {
		uri  string
		want tether.AirflowConnection
	}{
		{"postgresql://u:p@DB.Example:5432/db", tether.AirflowConnection{ConnType: "postgres", Login: "u", Password: "p", Host: "db.example", Port: 5432, Schema: "db"}},
		{"google-cloud-platform://?extra__google_cloud_platform__project=p", tether.AirflowConnection{ConnType: "google_cloud_platform",
			Extra: map[string]any{"extra__google_cloud_platform__project": "p"}}},
		{"ssh://u@[::1]:2222", tether.AirflowConnection{ConnType: "ssh", Login: "u", Host: "::1", Port: 2222}},
		{"http://h/?a=1&b=&c", tether.AirflowConnection{ConnType: "http", Host: "h", Extra: map[string]any{"a": "1", "b": "", "c": ""}}},
		{"http://h/s?__extra__=%7B%22n%22%3A1%7D&ignored=x", tether.AirflowConnection{ConnType: "http", Host: "h", Schema: "s",
			Extra: map[string]any{"n": json.Number("1")}}},
		{"mysql://u:p%zz@h#frag", tether.AirflowConnection{ConnType: "mysql", Login: "u", Password: "p%zz", Host: "h"}},
		{"my-type://u:a+b@h", tether.AirflowConnection{ConnType: "my_type", Login: "u", Password: "a+b", Host: "h"}},
	}
	for _, tt := range tests {
		got, err := airflow.ParseURI(tt.uri)
		if err != nil {
			t.Errorf("ParseURI(%s) = %v", tt.uri, err)
			continue
		}
		if diff := cmp.Diff(&tt.want, got); diff != "" {
			t.Errorf("ParseURI(%s) (-want +got):\n%s", tt.uri, diff)
		}
	}
}

// TestParseURIRefused checks that bad URIs get a message naming what is
// wrong, never quoting the URI (which holds the password).
func TestParseURIRefused(t *testing.T) {
	const pw = "Sup3rSecret"
	tests := []struct{ uri, want string }{
		{"no-scheme-" + pw, "must start with the conn_type"},
		{"1x://u:" + pw + "@h", "must start with the conn_type"},
		{"a://b://c://u:" + pw + "@d", "more than two"},
		{"http://u:" + pw + "@h:99999", "port must be a number"},
		{"http://u:" + pw + "@h:8o", "port must be a number"},
		{"http://u:" + pw + "@[::1", "IPv6"},
		{"http://u:" + pw + "%FF@h", "password must decode to valid UTF-8"},
		{"http://u:" + pw + "\n@h", "control characters"},
		{"http://u:" + pw + "@h/?__extra__=%5B1%5D", "__extra__ must be a JSON object"},
		{"http://u:" + pw + "@h/?a=1&a=2", `"a" is given twice`},
		{"http://user@x:" + pw + "@h", ""}, // the last '@' ends the userinfo
		{"https://u:" + pw + "@https://h", "protocol of its host"},
	}
	for _, tt := range tests {
		_, err := airflow.ParseURI(tt.uri)
		if tt.want == "" {
			if err != nil {
				t.Errorf("ParseURI(%q) = %v, want success", tt.uri, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseURI(%q) = %v, want an error containing %q", tt.uri, err, tt.want)
			continue
		}
		if tether.ErrorCode(err) != tether.EINVALID || strings.Contains(err.Error(), pw) {
			t.Errorf("ParseURI(%q) = %v: want EINVALID without the password", tt.uri, err)
		}
	}
}

// TestJSONForm reads the JSON form of AIRFLOW_CONN_* (from_json) and
// writes it back (as_json).
func TestJSONForm(t *testing.T) {
	in := `{"conn_type": "postgresql", "login": "etl", "password": "p@ss", "host": "db", "port": "5432",
		"schema": "analytics", "extra": "{\"sslmode\": \"require\", \"options\": {\"a\": [1, true]}}"}`
	a, err := airflow.ParseValue(in)
	if err != nil {
		t.Fatal(err)
	}
	want := &tether.AirflowConnection{ConnType: "postgres", Login: "etl", Password: "p@ss", Host: "db", Port: 5432, Schema: "analytics",
		Extra: map[string]any{"sslmode": "require", "options": map[string]any{"a": []any{json.Number("1"), true}}}}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Fatalf("ParseValue (-want +got):\n%s", diff)
	}
	out, err := airflow.JSON(a)
	if err != nil {
		t.Fatal(err)
	}
	back, err := airflow.ParseJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("ParseJSON(JSON(c)) (-want +got):\n%s", diff)
	}
	uri, err := airflow.URI(a)
	if err != nil {
		t.Fatal(err)
	}
	if back, err = airflow.ParseValue(uri); err != nil || !cmp.Equal(want, back) {
		t.Errorf("the URI of a nested extra does not read back: %v\n%s", err, cmp.Diff(want, back))
	}
	for _, bad := range []string{`{"conn_type": "x", "port": "80a"}`, `{"conn_type": "x", "port": 1.5}`, `{"login": "x"}`,
		`{"conn_type": "x", "extra": "[1]"}`, `{"conn_type": "x", "bogus": 1}`, `{"conn_type": "x"} {}`, `{"uri": "x://h", "login": "u"}`} {
		if _, err := airflow.ParseJSON([]byte(bad)); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("ParseJSON(%s) = %v, want EINVALID", bad, err)
		}
	}
}
