// Package egress is the policy every server-side connection test dials
// through, so that a connection's uri cannot turn the server into a proxy
// towards its own network (server-side request forgery).
//
// The contract:
//
//   - A Policy refuses, by default, every address that is not a public
//     unicast one: loopback, link-local (cloud metadata included), private,
//     unique local, CGNAT, unspecified, multicast, broadcast, benchmarking,
//     reserved and the other special-purpose ranges. IPv6 forms that carry an
//     IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
//     2002::/16) are judged by the IPv4 address they carry. An address inside
//     a CIDR the operator allows (--test-allow-cidr) is permitted whatever
//     its range.
//   - A Dialer resolves a host name once, checks every address the name
//     resolves to, refuses the whole dial if ANY of them is refused (a name
//     that resolves to a refused address is not dialled at all, not even
//     through its other addresses), and then dials the checked IP itself,
//     never the name again, so a second DNS answer cannot redirect it
//     (DNS rebinding). A literal IP is checked the same way. A refusal is a
//     tether.Error EFORBIDDEN naming the host, the refused address and the
//     flag that allows it; it never carries a URL, user info or query.
//   - HTTPClient builds an *http.Client over a Dialer: no proxy from the
//     environment (a proxy would make the policy check the proxy, not the
//     target), bounded TLS handshake, response header and overall time, a
//     bounded response body, and a bounded number of redirects, each dialled
//     through the same policy.
//   - A Limiter caps the connection tests that run at once; a caller that
//     finds it full waits up to its context and then gets ETHROTTLED.
package egress
