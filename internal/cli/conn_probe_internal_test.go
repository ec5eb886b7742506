package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// TestLastTestColumn: conn get -o table shows each connection's last test,
// its outcome and age, or "-" when it was never tested.
func TestLastTestColumn(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		last *tether.ProbeResult
		want string
	}{
		{"never tested", nil, "-"},
		{"ok seconds ago", &tether.ProbeResult{OK: true, At: now.Add(-12 * time.Second)}, "ok 12s ago"},
		{"ok minutes ago", &tether.ProbeResult{OK: true, At: now.Add(-3*time.Minute - 5*time.Second)}, "ok 3m ago"},
		{"failed hours ago", &tether.ProbeResult{At: now.Add(-2 * time.Hour)}, "failed 2h ago"},
		{"failed days ago", &tether.ProbeResult{At: now.Add(-72 * time.Hour)}, "failed 3d ago"},
		{"clock ahead", &tether.ProbeResult{OK: true, At: now.Add(time.Minute)}, "ok 0s ago"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lastTest(tc.last, now); got != tc.want {
				t.Errorf("lastTest = %q, want %q", got, tc.want)
			}
		})
	}
	var out bytes.Buffer
	c := &tether.Connection{ID: "x", Spec: tether.ConnectionSpec{Type: "s3"},
		Status: tether.ConnectionStatus{LastTest: &tether.ProbeResult{OK: false, At: time.Now().Add(-90 * time.Minute)}}}
	if err := printConnections(&out, "table", []*tether.Connection{c}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(out.String(), "\n"); !strings.Contains(lines[0], "LAST TEST") || !strings.Contains(lines[1], "failed 1h ago") {
		t.Errorf("table %q, want a LAST TEST column holding failed 1h ago", out.String())
	}
}
