package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// tether bench with small numbers: every operation is measured without
// errors against its own server, and compared with the floor.
func TestBenchReportsEveryOperation(t *testing.T) {
	c := newCLI(t, nil)
	res := c.run("", "bench", "--connections", "150", "--concurrency", "4", "--duration", "300ms", "--json", "--cli",
		"--ops", "get,decrypted,list-first,list-last,create,update")
	wantExit(t, res, 0) // progress goes to stderr
	out := res.Stdout
	var r struct {
		Results []struct {
			Op          string  `json:"op"`
			RPS         float64 `json:"rps"`
			P99         float64 `json:"p99_ms"`
			Errors      int     `json:"errors"`
			FloorRatio  float64 `json:"floor_ratio"`
			CPU         float64 `json:"server_cpu_s"`
			RSS         float64 `json:"server_peak_rss_mib"`
			Connections int     `json:"connections"`
			FirstError  string  `json:"first_error"`
		} `json:"results"`
		FloorRPS float64 `json:"floor_rps"`
		CLIMs    float64 `json:"cli_cold_start_ms"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(r.Results) != 6 || r.FloorRPS <= 0 || r.CLIMs <= 0 {
		t.Fatalf("report: %s", out)
	}
	for _, x := range r.Results {
		if x.RPS <= 0 || x.P99 <= 0 || x.Errors != 0 || x.FloorRatio <= 0 || x.RSS <= 0 || x.Connections < 150 {
			t.Errorf("%s: %+v", x.Op, x)
		}
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	c := newCLI(t, nil)
	wantError(t, c.run("", "bench", "--connections", "5"), 2, "--connections")
	wantError(t, c.run("", "bench", "--ops", "delete"), 2, "delete")
}

// --profile fetches a CPU profile of the server (served on --pprof-addr)
// during each operation, into a directory it makes if needed.
func TestBenchWritesProfiles(t *testing.T) {
	c := newCLI(t, nil)
	dir := filepath.Join(t.TempDir(), "profiles")
	wantExit(t, c.run("", "bench", "--connections", "150", "--concurrency", "2", "--duration", "300ms",
		"--ops", "decrypted", "--profile", dir), 0)
	fi, err := os.Stat(filepath.Join(dir, "decrypted-150.pprof"))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("profile: %v, %v", fi, err)
	}
}
