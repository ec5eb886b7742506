package main_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestConnTypes: `tether conn types` prints a table of the server's types
// and, with -o json, each with its JSON Schema; a type given by name; an
// unknown name exits 4.
func TestConnTypes(t *testing.T) {
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	table := c.ok("conn", "types")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "SECRETS") {
		t.Fatalf("header %q", lines[0])
	}
	var s3 string
	for _, l := range lines {
		if strings.HasPrefix(l, "s3 ") {
			s3 = l
		}
	}
	for _, want := range []string{"blob", "keyID,keySecret", "yes", "s3"} {
		if !strings.Contains(s3, want) {
			t.Errorf("s3 row %q lacks %q", s3, want)
		}
	}

	var list []struct {
		Name   string         `json:"name"`
		Schema map[string]any `json:"schema"`
	}
	if err := json.Unmarshal([]byte(c.ok("conn", "types", "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != len(lines)-1 {
		t.Errorf("%d types in JSON, %d rows in the table", len(list), len(lines)-1)
	}
	for _, ts := range list {
		if ts.Schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: schema %v", ts.Name, ts.Schema["$schema"])
		}
	}

	one := c.ok("conn", "types", "git", "-o", "jsonpath={.schema.properties.keySecret.writeOnly}")
	if strings.TrimSpace(one) != "true" {
		t.Errorf("git keySecret writeOnly: %q", one)
	}
	wantError(t, c.run("", "conn", "types", "nosuch"), 4, `connection type "nosuch" does not exist`)
}
