package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// buildInfo is the JSON of GET /version and of each side of "tether
// version -o json".
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// versions is the JSON of "tether version -o json", kubectl's shape.
type versions struct {
	ClientVersion *buildInfo `json:"clientVersion"`
	ServerVersion *buildInfo `json:"serverVersion"`
}

// TestVersionShowsClientAndServer: "tether version" prints the client's
// build and the server's, which GET /version answers without credentials;
// the CLI needs no token for it. JSON and YAML carry the same values as
// the table.
func TestVersionShowsClientAndServer(t *testing.T) {
	s := startServer(t, serverOptions{})
	resp, err := s.HTTP.Get(s.URL + "/version") // no Authorization header
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /version: %d %s %s, want 200 with JSON", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var server buildInfo
	if err := json.Unmarshal(body, &server); err != nil {
		t.Fatalf("GET /version: %v: %s", err, body)
	}
	// The test binary is built by the toolchain running this test, without
	// stamps: "(devel)" unless the toolchain found a module version.
	if server.Version == "" || server.GoVersion != runtime.Version() || server.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("GET /version = %+v, want a version, %s, %s/%s", server, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	noToken := newCLI(t, s).with("TETHER_TOKEN_PATH", "")
	for _, format := range []string{"json", "yaml"} {
		var got versions
		if err := yaml.Unmarshal([]byte(noToken.ok("version", "-o", format)), &got); err != nil {
			t.Fatalf("-o %s: %v", format, err)
		}
		// Client and server are the same binary here.
		if diff := cmp.Diff(versions{&server, &server}, got); diff != "" {
			t.Errorf("tether version -o %s (-want +got):\n%s", format, diff)
		}
	}
	table := noToken.ok("version")
	for _, want := range []string{"Client Version: " + server.Version + "\n", "Server Version: " + server.Version + "\n",
		"  Go Version: " + server.GoVersion + "\n", "  Platform:   " + server.Platform + "\n"} {
		if !strings.Contains(table, want) {
			t.Errorf("tether version printed\n%s\nwant it to contain %q", table, want)
		}
	}
	if n := strings.Count(table, "Go Version:"); n != 2 {
		t.Errorf("tether version printed %d Go versions, want 2 (client and server):\n%s", n, table)
	}
}

// TestVersionWithoutServer: with the server unreachable, the client's
// version is still printed and the exit code is 7 (unreachable), as the
// exit-code table says; --client never contacts a server.
func TestVersionWithoutServer(t *testing.T) {
	offline := newCLI(t, nil).with("TETHER_URL", "http://"+closedPort(t))
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"version"}, 7, "cannot reach the tether server"},
		{[]string{"version", "-o", "json"}, 7, "cannot reach the tether server"},
		{[]string{"version", "--client"}, 0, ""},
		{[]string{"version", "--client", "-o", "json"}, 0, ""},
		{[]string{"version", "-o", "wide"}, 2, `unknown output format "wide"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := offline.run("", tt.args...)
			wantExit(t, r, tt.code)
			if !strings.Contains(r.Stderr, tt.stderr) || (tt.stderr == "") != (r.Stderr == "") {
				t.Errorf("stderr = %q, want %q", r.Stderr, tt.stderr)
			}
			if tt.code == 2 {
				return
			}
			if strings.Contains(r.Stdout, "Server Version") || strings.Contains(r.Stdout, "serverVersion") {
				t.Errorf("stdout shows a server version:\n%s", r.Stdout)
			}
			if !strings.Contains(strings.Join(tt.args, " "), "-o json") {
				if !strings.HasPrefix(r.Stdout, "Client Version: ") {
					t.Errorf("stdout = %q, want the client's version first", r.Stdout)
				}
				return
			}
			var v versions
			if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v.ClientVersion == nil || v.ClientVersion.GoVersion != runtime.Version() {
				t.Errorf("stdout = %q (%v), want the client's version in JSON, Go %s", r.Stdout, err, runtime.Version())
			}
		})
	}
}
