package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// s3Manifest is a valid s3 connection with id.
func s3Manifest(id string) string {
	return fmt.Sprintf(`kind: Connection
id: %s
spec:
  type: s3
  uri: s3://bucket/%s
  region: eu-central-1
  keyID: %s
  keySecret: %s
`, id, id, b64("AKIAIOSFODNN7EXAMPLE"), b64("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
}

// TestOutputFormats checks that every listing command takes -o json, yaml,
// table and jsonpath, as "conn get" does, and prints the same values in
// each machine format.
func TestOutputFormats(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	c.ok("namespace", "create", "team-a")
	c.ok("rolebinding", "create", "-n", "team-a", "--role", "viewer", "--subject", "user:alice")
	wantExit(t, c.run("", "token", "create", "--subject", "user:alice"), 0)
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "s3.yaml", s3Manifest("training-data")))
	c.ok("conn", "get", "--id", "training-data", "--decrypted")
	tests := []struct {
		name     string
		args     []string
		jsonpath string // an expression and what it prints
		want     string
		table    string // a header of the table
	}{
		{"token get", []string{"token", "get"}, "{[*].subject}", "system:tether:admin user:alice", "SUBJECT"},
		{"namespace get", []string{"namespace", "get"}, "{[*].name}", "default team-a", "NAME"},
		{"namespace get NAME", []string{"namespace", "get", "team-a"}, "{[*].name}", "team-a", "CREATED"},
		{"rolebinding get", []string{"rolebinding", "get", "-n", "team-a"}, "{[*].subject}", "user:alice", "ROLE"},
		{"audit get", []string{"audit", "get", "--id", "training-data"}, "{[*].action}", "connection.create connection.reveal", "OUTCOME"},
		{"conn usage", []string{"conn", "usage", "training-data"}, "{.total}", "1", "by subject:"},
		{"conn get ID", []string{"conn", "get", "training-data"}, "{[*].spec.uri}", "s3://bucket/training-data", "URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := func(o string) []string { return append(append([]string{}, tt.args...), "-o", o) }
			var fromJSON, fromYAML any
			if err := json.Unmarshal([]byte(c.ok(args("json")...)), &fromJSON); err != nil {
				t.Fatalf("-o json: %v", err)
			}
			if err := yaml.Unmarshal([]byte(c.ok(args("yaml")...)), &fromYAML); err != nil {
				t.Fatalf("-o yaml: %v", err)
			}
			if a, b := fmt.Sprint(fromJSON), fmt.Sprint(fromYAML); a != b && tt.name != "conn usage" { // usage's window moves
				t.Errorf("-o json and -o yaml differ:\n%s\n%s", a, b)
			}
			if got := strings.TrimSpace(c.ok(args("jsonpath=" + tt.jsonpath)...)); got != tt.want {
				t.Errorf("-o jsonpath=%s = %q, want %q", tt.jsonpath, got, tt.want)
			}
			if got := c.ok(args("table")...); !strings.Contains(got, tt.table) {
				t.Errorf("-o table has no %q:\n%s", tt.table, got)
			}
			wantError(t, c.run("", args("xml")...), 2, `unknown output format "xml"`)
		})
	}
	s.stop()
}

// TestGetByName checks kubectl's "get NAME..." form and that a not-found
// names the namespace it was looked for in.
func TestGetByName(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	c.ok("namespace", "create", "team-a")
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "a.yaml", s3Manifest("one")))
	c.ok("conn", "create", "-f", writeFile(t, c.dir, "b.yaml", s3Manifest("two")))
	list := decodeList(t, c.ok("conn", "get", "two", "one", "-o", "json"))
	if len(list) != 2 || list[0].ID != "two" || list[1].ID != "one" {
		t.Errorf("conn get two one = %+v", list)
	}
	wantError(t, c.run("", "conn", "get", "one", "--id", "two"), 2, "not both")
	wantError(t, c.run("", "conn", "get", "one", "-n", "team-a"), 4, `"one"`, `namespace "team-a"`)
	wantError(t, c.run("", "conn", "usage", "one", "-n", "team-a"), 4, `"one"`, `namespace "team-a"`)
	wantError(t, c.run("", "conn", "delete", "--id", "one", "-n", "team-a"), 4, `"one"`, `namespace "team-a"`)
	wantError(t, c.run("", "namespace", "get", "team-b"), 4, `"team-b"`)
	s.stop()
}

// TestSubcommandSuggestions checks that a mistyped subcommand is a usage
// error that suggests the right one.
func TestSubcommandSuggestions(t *testing.T) {
	t.Parallel()
	c := newCLI(t, nil)
	tests := []struct{ args []string }{
		{[]string{"conn", "gte"}}, {[]string{"rolebinding", "gett"}}, {[]string{"namespace", "gt"}}, {[]string{"token", "ger"}},
		{[]string{"audit", "got"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantError(t, c.run("", tt.args...), 2, fmt.Sprintf("unknown command %q", tt.args[1]), "Did you mean this?\n\tget")
		})
	}
	wantError(t, c.run("", "connnection", "get"), 2, "Did you mean this?\n\tconnection")
}

// TestSeveralFiles checks that -f may be given several times and name
// directories, as with kubectl, and that no file is dropped.
func TestSeveralFiles(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	a := writeFile(t, c.dir, "a.yaml", s3Manifest("file-a"))
	b := writeFile(t, c.dir, "b.yaml", s3Manifest("file-b"))
	dir := filepath.Join(c.dir, "conns")
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "c.yml", s3Manifest("dir-c"))
	writeFile(t, dir, "d.json", fmt.Sprintf(`{"id":"dir-d","spec":{"type":"s3","uri":"s3://bucket-d/d","region":"eu-central-1","keyID":%q,"keySecret":%q}}`,
		b64("AKIAIOSFODNN7EXAMPLE"), b64("secret")))
	writeFile(t, dir, "notes.txt", "not a manifest")

	if out := c.ok("conn", "create", "-f", a, "-f", b); out != "connection \"file-a\" created\nconnection \"file-b\" created\n" {
		t.Errorf("create -f a -f b: %q", out)
	}
	if out := c.ok("conn", "create", "-f", dir); out != "connection \"dir-c\" created\nconnection \"dir-d\" created\n" {
		t.Errorf("create -f DIR: %q", out)
	}
	if got := strings.TrimSpace(c.ok("conn", "get", "-o", "jsonpath={[*].id}")); got != "dir-c dir-d file-a file-b" {
		t.Errorf("ids after create = %q", got)
	}
	if out := c.ok("conn", "edit", "-f", a, "-f", b); out != "connection \"file-a\" updated\nconnection \"file-b\" updated\n" {
		t.Errorf("edit -f a -f b: %q", out)
	}
	wantError(t, c.run("", "conn", "create", "-f", filepath.Join(dir, "empty")), 3, "holds no .yaml, .yml or .json file")
	wantError(t, c.run("", "conn", "create", "-f", a, "-f", a), 3, "given twice")
	wantError(t, c.run("", "conn", "create", "-f", a, "-f", b, "--id", "x"), 2, "hold 2")
	if out := c.ok("conn", "delete", "-f", a, "-f", dir, "-f", b); out !=
		"connection \"file-a\" deleted\nconnection \"dir-c\" deleted\nconnection \"dir-d\" deleted\nconnection \"file-b\" deleted\n" {
		t.Errorf("delete -f a -f DIR -f b: %q", out)
	}
	if got := c.ok("conn", "get", "-o", "json"); got != "[]\n" {
		t.Errorf("after delete: %s", got)
	}
	s.stop()
}
