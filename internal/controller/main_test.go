package controller_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// tetherBin is the tether binary the tests run as Tether's server.
var tetherBin string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

// runTests builds the tether binary into a temporary directory, runs the
// tests, and removes the directory.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "tether-controller-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "controller tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	tetherBin = filepath.Join(dir, "tether")
	build := exec.Command("go", "build", "-o", tetherBin, "../../cmd/tether")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "controller tests: building tether:", err)
		return 1
	}
	return m.Run()
}
