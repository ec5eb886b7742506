package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// trustedProxies are the networks of the reverse proxies and load balancers
// in front of the server, whose X-Forwarded-For headers are believed.
type trustedProxies []netip.Prefix

func (p trustedProxies) trusts(a netip.Addr) bool {
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address a request came from: the peer's, unless the
// peer is a trusted proxy; then X-Forwarded-For is read from its end (the
// entry the nearest proxy appended) back to the first address that is not
// a trusted proxy, which is the client. Entries nearer the start were
// written by whoever sent them, so they are never believed: a client
// cannot choose the address it is throttled and audited as.
func (p trustedProxies) clientAddr(r *http.Request) string {
	addr, ok := parseHop(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	if len(p) == 0 || !p.trusts(addr) {
		return addr.String()
	}
	hops := forwardedFor(r)
	for i := len(hops) - 1; i >= 0 && p.trusts(addr); i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break // a proxy wrote this: the client is unknown beyond it
		}
		addr = hop
	}
	return addr.String()
}

// forwardedFor returns the entries of every X-Forwarded-For header, in
// order.
func forwardedFor(r *http.Request) []string {
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops
}

// parseHop reads an address with or without a port ("192.0.2.1",
// "192.0.2.1:443", "[2001:db8::1]:443"); IPv4-mapped IPv6 addresses are
// read as IPv4, and zones are dropped.
func parseHop(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	a, err := netip.ParseAddr(s)
	return a.Unmap().WithZone(""), err == nil
}
