package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

func TestExpiresCell(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   time.Duration // from now; 0 means no expiry
		want string
	}{
		{"none", 0, "-"},
		{"far", 12*24*time.Hour + 5*time.Hour, "in 12d"},
		{"at the window", expiryWarning + time.Second, "in 7d"},
		{"within the window", 6*24*time.Hour + 23*time.Hour, "in 6d !"},
		{"hours", 5*time.Hour + 59*time.Minute, "in 5h !"},
		{"minutes", 45*time.Minute + 30*time.Second, "in 45m !"},
		{"seconds", 30 * time.Second, "in 30s !"},
		{"now", -time.Nanosecond, "expired 0s ago"},
		{"expired", -2*time.Hour - 10*time.Minute, "expired 2h ago"},
		{"long expired", -400 * 24 * time.Hour, "expired 400d ago"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e *tether.Expiry
			if tc.in != 0 {
				e = &tether.Expiry{At: now.Add(tc.in), What: "SAS token"}
			}
			if got := expiresCell(e, now); got != tc.want {
				t.Errorf("expiresCell(now%+v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestConnectionTableExpires: conn get -o table has an EXPIRES column.
func TestConnectionTableExpires(t *testing.T) {
	list := []*tether.Connection{
		{ID: "sas", Spec: tether.ConnectionSpec{Type: "azureblob", URI: "https://a.blob.core.windows.net/c"},
			Status: tether.ConnectionStatus{Expiry: &tether.Expiry{At: time.Now().Add(3*time.Hour + 30*time.Minute), What: "SAS token"}}},
		{ID: "keys", Spec: tether.ConnectionSpec{Type: "s3", URI: "s3://b"}},
	}
	var buf bytes.Buffer
	if err := printConnections(&buf, "table", list); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := [][]string{{"ID", "TYPE", "URI", "VITAL", "LAST", "TEST", "EXPIRES", "DESCRIPTION"},
		{"sas", "azureblob", "https://a.blob.core.windows.net/c", "false", "-", "in", "3h", "!"},
		{"keys", "s3", "s3://b", "false", "-", "-"}}
	if len(lines) != len(want) {
		t.Fatalf("table:\n%s", buf.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want %q", i, lines[i], strings.Join(w, " "))
		}
	}
}
