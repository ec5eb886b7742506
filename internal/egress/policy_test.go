package egress_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// TestPolicyRefusesSpecialRanges holds every range refused by default,
// in its plain form and, for IPv4, in the IPv6 forms that carry it.
func TestPolicyRefusesSpecialRanges(t *testing.T) {
	p := egress.NewPolicy(nil)
	for _, tc := range []struct {
		addr, reason string
	}{
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "this-network"},
		{"10.20.30.40", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.254", "CGNAT"},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"169.254.169.254", "cloud metadata"},
		{"169.254.0.1", "link-local"},
		{"192.0.0.8", "IETF protocol assignment"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "broadcast"},
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"::7f00:1", "IPv4-compatible"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"febf:ffff::1", "link-local"},
		{"fc00::1", "unique local"},
		{"fd00:ec2::254", "unique local"},
		{"fec0::1", "site-local"},
		{"ff02::1", "multicast"},
		{"100::1", "discard-only"},
		{"64:ff9b:1::a00:1", "local-use NAT64"},
		// IPv4-mapped IPv6: judged by the IPv4 address carried.
		{"::ffff:127.0.0.1", "loopback carried in IPv4-mapped 127.0.0.1"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:0.0.0.0", "unspecified"},
		{"::ffff:255.255.255.255", "broadcast"},
		// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) likewise.
		{"64:ff9b::7f00:1", "loopback carried in NAT64 127.0.0.1"},
		{"64:ff9b::a9fe:a9fe", "cloud metadata) carried in NAT64 169.254.169.254"},
		{"64:ff9b::c0a8:101", "private"},
		{"64:ff9b::6440:1", "CGNAT"},
		{"2002:a9fe:a9fe::1", "cloud metadata) carried in 6to4 169.254.169.254"},
		{"2002:7f00:1::", "loopback carried in 6to4"},
	} {
		ok, reason := p.Permits(netip.MustParseAddr(tc.addr))
		if ok || !strings.Contains(reason, tc.reason) {
			t.Errorf("Permits(%s) = %v, %q; want refused as %q", tc.addr, ok, reason, tc.reason)
		}
	}
}

// TestPolicyPermitsPublic holds that public unicast addresses pass, in
// every form, and that the edges of the refused ranges are not over-wide.
func TestPolicyPermitsPublic(t *testing.T) {
	p := egress.NewPolicy(nil)
	for _, addr := range []string{
		"8.8.8.8", "1.1.1.1", "52.95.110.1", "9.255.255.255", "11.0.0.0",
		"100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
		"169.253.255.255", "192.0.1.0", "192.167.255.255", "198.17.255.255",
		"198.20.0.0", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	} {
		if ok, reason := p.Permits(netip.MustParseAddr(addr)); !ok {
			t.Errorf("Permits(%s) refused as %q; want permitted", addr, reason)
		}
	}
	if ok, _ := p.Permits(netip.Addr{}); ok {
		t.Error("Permits(invalid address) = true; want refused")
	}
}

// TestPolicyAllowedCIDRs holds that an allowed CIDR permits whatever range
// it covers (and no more), in the forms that carry an IPv4 address too.
func TestPolicyAllowedCIDRs(t *testing.T) {
	allowed := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.1.0.0/16"),
		netip.MustParsePrefix("fd00:1::/32"),
		netip.MustParsePrefix("169.254.169.254/32"),
	}
	p := egress.NewPolicy(allowed)
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"64:ff9b::7f00:1", true},
		{"127.0.0.2", false},
		{"::1", false},
		{"10.1.255.255", true},
		{"10.2.0.1", false},
		{"fd00:1::5", true},
		{"fd00:2::5", false},
		{"169.254.169.254", true},
		{"169.254.169.253", false},
	} {
		if ok, reason := p.Permits(netip.MustParseAddr(tc.addr)); ok != tc.want {
			t.Errorf("Permits(%s) = %v (%s); want %v", tc.addr, ok, reason, tc.want)
		}
	}
}

// TestParseAllowCIDRs holds the parsing of --test-allow-cidr: CIDRs and
// single addresses pass; every bad value is named in one EINVALID error.
func TestParseAllowCIDRs(t *testing.T) {
	got, err := egress.ParseAllowCIDRs([]string{"127.0.0.1/32", " 10.0.0.0/8", "fd00::/8", "192.168.1.7", "::1"})
	if err != nil {
		t.Fatalf("ParseAllowCIDRs: %v", err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("::1/128"),
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
		t.Errorf("ParseAllowCIDRs (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		values []string
		want   []string // in the message
	}{
		{[]string{"10.0.0.0/33"}, []string{`"10.0.0.0/33"`, "not a CIDR"}},
		{[]string{"example.com"}, []string{`"example.com"`, "not a CIDR"}},
		{[]string{""}, []string{`""`}},
		{[]string{"10.1.2.3/8"}, []string{`"10.1.2.3/8"`, "host bits", "10.0.0.0/8"}},
		{[]string{"fe80::1%eth0"}, []string{"fe80::1%eth0"}},
		{[]string{"bad", "127.0.0.1/32", "10.0.0.1/8"}, []string{`"bad"`, `"10.0.0.1/8"`}},
	} {
		_, err := egress.ParseAllowCIDRs(tc.values)
		if code := tether.ErrorCode(err); code != tether.EINVALID {
			t.Errorf("ParseAllowCIDRs(%q) code = %q; want %q", tc.values, code, tether.EINVALID)
			continue
		}
		msg := tether.ErrorMessage(err)
		for _, w := range append(tc.want, "--test-allow-cidr") {
			if !strings.Contains(msg, w) {
				t.Errorf("ParseAllowCIDRs(%q) message %q lacks %q", tc.values, msg, w)
			}
		}
	}
}
