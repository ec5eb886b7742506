package tether_test

import (
	"go/build"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// module is the import path of this module.
const module = "github.com/tether-ml/tether"

// TestLayout holds the package graph to the layout the README describes:
// the domain stands alone, the Go client and delivery link no server, the
// client commands reach the server only through the API, and cmd/tether
// (with internal/server) is the one place that assembles a server. It
// reads the sources with go/build, for every operating system the files
// are built for.
func TestLayout(t *testing.T) {
	// The packages that make up the server: what opens stores and
	// keyrings, runs the services and serves the API.
	serverSide := []string{"http", "internal/service", "internal/sqlite", "internal/postgres", "internal/seal", "internal/server"}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		ctx := build.Default
		ctx.GOOS = goos
		deps := func(pkg string) []string { return moduleDeps(t, &ctx, pkg) }
		for _, tc := range []struct {
			pkg, rule string
			bad       []string // dependencies (direct or not) that break the rule
		}{
			{"", "the domain imports only the standard library", outside(deps(""), nil)},
			{"client", "the Go client imports only the domain and internal/backup",
				outside(deps("client"), []string{"", "internal/backup"})},
			{"delivery", "delivery links no server package", within(deps("delivery"), serverSide)},
			{"internal/cli", "the client commands link no server package", within(deps("internal/cli"), serverSide)},
			{"http", "the API server links neither the Go client nor the command line",
				within(deps("http"), []string{"client", "internal/cli", "internal/server"})},
			{"internal/sqlite", "the stores do not import each other", within(deps("internal/sqlite"), []string{"internal/postgres"})},
			{"internal/postgres", "the stores do not import each other", within(deps("internal/postgres"), []string{"internal/sqlite"})},
		} {
			if len(tc.bad) > 0 {
				t.Errorf("GOOS=%s: %s: %s depends on %s", goos, tc.rule, name(tc.pkg), strings.Join(tc.bad, ", "))
			}
		}
	}
}

// moduleDeps returns the dependencies of the module's package pkg (a path
// relative to the module root, "" for the domain), direct or not, by their
// paths relative to the root; a dependency outside the standard library
// and the module is returned as its import path.
func moduleDeps(t *testing.T, ctx *build.Context, pkg string) []string {
	t.Helper()
	seen := map[string]bool{}
	var visit func(rel string)
	visit = func(rel string) {
		p, err := ctx.ImportDir(filepath.Join(".", filepath.FromSlash(rel)), 0)
		if err != nil {
			t.Fatalf("%s: %v", name(rel), err)
		}
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module)
			switch {
			case ok && (dep == "" || strings.HasPrefix(dep, "/")):
				dep = strings.TrimPrefix(dep, "/")
			case isStandard(imp):
				continue
			default:
				dep, ok = imp, false
			}
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if ok {
				visit(dep)
			}
		}
	}
	visit(pkg)
	delete(seen, pkg)
	out := make([]string, 0, len(seen))
	for dep := range seen {
		out = append(out, dep)
	}
	sort.Strings(out)
	return out
}

// isStandard reports whether an import path is the standard library's:
// its first element has no dot.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// within returns the deps that are in set; outside those that are not.
func within(deps, set []string) []string {
	return slices.DeleteFunc(slices.Clone(deps), func(d string) bool { return !slices.Contains(set, d) })
}

func outside(deps, set []string) []string {
	return slices.DeleteFunc(slices.Clone(deps), func(d string) bool { return slices.Contains(set, d) })
}

// name names a package of the module in messages.
func name(rel string) string {
	if rel == "" {
		return "the domain package"
	}
	return rel
}
