package credimport_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/credimport"
)

func TestDeriveID(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 60) + ".example.com"
	tests := []struct {
		prefix, name, want string
	}{
		{"", "docker.io", "docker-io"},
		{"", "localhost:5000", "localhost-5000"},
		{"", "Registry.Example.COM:443/Team_A", "registry-example-com-443-team-a"},
		{"", "[::1]:5000", "1-5000"},
		{"reg-", "ghcr.io", "reg-ghcr-io"},
		{"aws-", "Dev Profile", "aws-dev-profile"},
		{"", long, strings.Repeat("a", 60) + "-ex"},
		{"", strings.Repeat("a", 62) + ".b", strings.Repeat("a", 62)},
		{"", "...", ""},
		{"aws-", "", ""},
		{"", "été", "t"},
	}
	for _, tt := range tests {
		got := credimport.DeriveID(tt.prefix, tt.name)
		if got != tt.want {
			t.Errorf("DeriveID(%q, %q) = %q, want %q", tt.prefix, tt.name, got, tt.want)
		}
		if got != "" && !tether.IDPattern.MatchString(got) {
			t.Errorf("DeriveID(%q, %q) = %q, not a valid id", tt.prefix, tt.name, got)
		}
	}
}

func TestCheckIDPrefix(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "reg-", "team1-", "x"} {
		if err := credimport.CheckIDPrefix(ok); err != nil {
			t.Errorf("CheckIDPrefix(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"-reg", "Reg-", "reg_", strings.Repeat("a", 63)} {
		if err := credimport.CheckIDPrefix(bad); tether.ErrorCode(err) != tether.EINVALID {
			t.Errorf("CheckIDPrefix(%q) = %v, want an EINVALID error", bad, err)
		}
	}
}
