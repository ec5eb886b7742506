package conntype_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// TestReadmeTypeTables checks the README's tables of connection types
// against the registry: each registered type has a row and each row is a
// registered type; "Connection types" names the type's required and secret
// fields, "What each type becomes" each variable and file of a rendering.
func TestReadmeTypeTables(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	reg := conntype.New()
	var names []string
	for _, ct := range reg.Types() {
		names = append(names, ct.Name)
	}
	schemas := tableRows(t, string(readme), "## Connection types")
	renderings := tableRows(t, string(readme), "### What each type becomes")
	for table, rows := range map[string]map[string][]string{"Connection types": schemas, "What each type becomes": renderings} {
		if diff := cmp.Diff(names, sortedKeys(rows)); diff != "" {
			t.Errorf("README table %q: types (-registry +README):\n%s", table, diff)
		}
	}
	for _, ct := range reg.Types() {
		if row := schemas[ct.Name]; len(row) >= 3 {
			required, secret := declaredFields(ct)
			if diff := cmp.Diff(required, leadingWords(row[1])); diff != "" {
				t.Errorf("README: %s's required fields (-schema +README):\n%s", ct.Name, diff)
			}
			if diff := cmp.Diff(secret, leadingWords(row[2])); diff != "" {
				t.Errorf("README: %s's secret fields (-schema +README):\n%s", ct.Name, diff)
			}
		}
		if row := renderings[ct.Name]; len(row) >= 3 {
			checkRenderingRow(t, ct, row)
		}
	}
}

// checkRenderingRow checks that the row names every variable and file of
// the rendering of a valid connection of type ct.
func checkRenderingRow(t *testing.T, ct *tether.ConnectionType, row []string) {
	t.Helper()
	r, err := ct.Render(validConn(t, ct.Name), "/conn")
	if err != nil {
		t.Fatal(err)
	}
	for name := range r.Env {
		if !strings.Contains(row[1], "`"+name+"`") {
			t.Errorf("README: %s's variables do not name %s", ct.Name, name)
		}
	}
	for name := range r.Files {
		if !strings.Contains(row[2], "`"+name+"`") {
			t.Errorf("README: %s's files do not name %s", ct.Name, name)
		}
	}
}

// declaredFields returns the type's required fields (uri first: every
// type requires it) and its secret fields and parameters
// ("parameters.NAME"), leaving out the secret fields Odahu's schema gives
// every type and this type does not use.
func declaredFields(ct *tether.ConnectionType) (required, secret []string) {
	required = []string{"uri"}
	for _, f := range ct.Fields {
		if f.Required && f.Name != "uri" {
			required = append(required, f.Name)
		}
		if f.Secret && !strings.HasPrefix(f.Description, "Accepted and kept") {
			secret = append(secret, f.Name)
		}
	}
	for _, prm := range ct.Parameters {
		if prm.Secret {
			secret = append(secret, "parameters."+prm.Name)
		}
	}
	sort.Strings(required)
	sort.Strings(secret)
	return required, secret
}

// tableRows returns the rows of the first table after heading, by the
// type of their first cell, each row split into its cells.
func tableRows(t *testing.T, readme, heading string) map[string][]string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if typ, ok := strings.CutPrefix(strings.TrimSpace(cells[0]), "`"); ok {
			rows[strings.TrimSuffix(typ, "`")] = cells
		}
	}
	return rows
}

// leadingWords returns, sorted, the first word of each item of a cell's
// comma-separated list (commas in parentheses or backquotes do not
// separate), without backquotes: "uri `s3://b`, region" gives uri, region.
func leadingWords(cell string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i <= len(cell); i++ {
		switch {
		case i == len(cell) || (cell[i] == ',' && depth == 0 && !quoted):
			if f := strings.Fields(cell[start:i]); len(f) > 0 {
				out = append(out, strings.Trim(f[0], "`"))
			}
			start = i + 1
		case cell[i] == '`':
			quoted = !quoted
		case cell[i] == '(':
			depth++
		case cell[i] == ')':
			depth--
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
