package egress

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/tether-ml/tether"
)

// AllowFlag is the server flag that allows a CIDR the policy refuses by
// default; refusals name it so the operator knows the fix.
const AllowFlag = "--test-allow-cidr"

// Policy decides which addresses a server-side connection test may dial.
// It is immutable once built and safe for concurrent use.
type Policy struct {
	allowed []netip.Prefix
	refused []refusedRange
}

// refusedRange is one special-purpose range and the name a refusal gives it.
type refusedRange struct {
	prefix netip.Prefix
	name   string
}

// refusedRanges returns the ranges refused by default, the narrower before
// the wider that holds them, so a refusal names the most specific range.
// The IPv6 forms that carry an IPv4 address are not listed: Permits judges
// them by the address they carry.
func refusedRanges() []refusedRange {
	table := []struct{ cidr, name string }{
		{"0.0.0.0/32", "unspecified"},
		{"0.0.0.0/8", "this-network (0.0.0.0/8)"},
		{"10.0.0.0/8", "private (RFC 1918)"},
		{"100.64.0.0/10", "shared address space (CGNAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.169.254/32", "link-local (cloud metadata)"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private (RFC 1918)"},
		{"192.0.0.0/24", "IETF protocol assignment (192.0.0.0/24)"},
		{"192.168.0.0/16", "private (RFC 1918)"},
		{"198.18.0.0/15", "benchmarking (198.18.0.0/15)"},
		{"224.0.0.0/4", "multicast"},
		{"255.255.255.255/32", "broadcast"},
		{"240.0.0.0/4", "reserved (240.0.0.0/4)"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible (deprecated)"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "discard-only"},
		{"fc00::/7", "unique local (private)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	}
	ranges := make([]refusedRange, len(table))
	for i, r := range table {
		ranges[i] = refusedRange{prefix: netip.MustParsePrefix(r.cidr), name: r.name}
	}
	return ranges
}

// NewPolicy returns the policy that refuses the special-purpose ranges
// except inside allowed (the operator's --test-allow-cidr values).
func NewPolicy(allowed []netip.Prefix) *Policy {
	p := &Policy{refused: refusedRanges()}
	for _, a := range allowed {
		if a.IsValid() {
			p.allowed = append(p.allowed, a.Masked())
		}
	}
	return p
}

// Permits reports whether ip may be dialled and, when it may not, names the
// range that refuses it (e.g. "link-local (cloud metadata)"). An IPv6 zone
// is ignored. An invalid address is refused.
func (p *Policy) Permits(ip netip.Addr) (ok bool, reason string) {
	if !ip.IsValid() {
		return false, "invalid"
	}
	ip = ip.WithZone("")
	if p.allows(ip) {
		return true, ""
	}
	if v4, form, carries := embeddedIPv4(ip); carries {
		if ok, reason := p.Permits(v4); !ok {
			return false, reason + " carried in " + form + " " + v4.String()
		}
		return true, ""
	}
	for _, r := range p.refused {
		if r.prefix.Contains(ip) {
			return false, r.name
		}
	}
	return true, ""
}

// allows reports whether ip is inside a CIDR the operator allowed.
func (p *Policy) allows(ip netip.Addr) bool {
	for _, a := range p.allowed {
		if a.Contains(ip) {
			return true
		}
	}
	return false
}

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, if it is
// of a form that reaches that IPv4 address, and names the form.
// The forms are IPv4-mapped (::ffff:0:0/96), the well-known NAT64 prefix
// (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056).
func embeddedIPv4(ip netip.Addr) (v4 netip.Addr, form string, ok bool) {
	if !ip.Is6() {
		return netip.Addr{}, "", false
	}
	b := ip.As16()
	nat64 := [12]byte{0x00, 0x64, 0xff, 0x9b}
	switch {
	case ip.Is4In6():
		return ip.Unmap(), "IPv4-mapped", true
	case [12]byte(b[:12]) == nat64:
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64", true
	case b[0] == 0x20 && b[1] == 0x02:
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4", true
	}
	return netip.Addr{}, "", false
}

// ParseAllowCIDRs parses the values of --test-allow-cidr. Each is a CIDR
// (10.1.0.0/16, fd00::/8) or a single address (taken as /32 or /128). A
// CIDR with host bits set is refused rather than widened silently. Every bad
// value is named in one EINVALID error.
func ParseAllowCIDRs(values []string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	var problems []string
	for _, v := range values {
		p, problem := parseAllowCIDR(strings.TrimSpace(v))
		if problem != "" {
			problems = append(problems, fmt.Sprintf("%s %q: %s", AllowFlag, v, problem))
			continue
		}
		prefixes = append(prefixes, p)
	}
	if len(problems) > 0 {
		return nil, &tether.Error{Code: tether.EINVALID, Op: "egress.ParseAllowCIDRs", Message: strings.Join(problems, "; ")}
	}
	return prefixes, nil
}

// parseAllowCIDR parses one value, or says what is wrong with it.
func parseAllowCIDR(v string) (netip.Prefix, string) {
	if !strings.Contains(v, "/") {
		ip, err := netip.ParseAddr(v)
		if err != nil || ip.Zone() != "" {
			return netip.Prefix{}, "not a CIDR (such as 10.0.0.0/8) or an IP address"
		}
		return netip.PrefixFrom(ip, ip.BitLen()), ""
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return netip.Prefix{}, "not a CIDR (such as 10.0.0.0/8 or fd00::/8)"
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Sprintf("host bits are set; the network is %s", p.Masked())
	}
	return p, ""
}
