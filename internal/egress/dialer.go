package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/tether-ml/tether"
)

// DefaultDialTimeout bounds a dial (resolution included) when NewDialer is
// given no timeout.
const DefaultDialTimeout = 10 * time.Second

// Resolver resolves a host name to its IP addresses. *net.Resolver
// implements it; tests inject their own.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer dials TCP through a Policy: it resolves a host once, checks every
// address, and dials a checked IP, never the name again. It is safe for
// concurrent use.
type Dialer struct {
	policy   *Policy
	resolver Resolver
	timeout  time.Duration
}

// NewDialer returns a Dialer over policy. A nil resolver means
// net.DefaultResolver; a timeout of zero or less means DefaultDialTimeout.
func NewDialer(policy *Policy, resolver Resolver, timeout time.Duration) *Dialer {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	return &Dialer{policy: policy, resolver: resolver, timeout: timeout}
}

// DialContext connects to address ("host:port") on network ("tcp", "tcp4"
// or "tcp6"), with the signature of net.Dialer.DialContext. A host that is,
// or resolves to, any refused address gets EFORBIDDEN; a name that does not
// resolve, or no address that answers, gets EUNAVAILABLE; other networks
// and malformed addresses get EINVALID. The whole call is bounded by the
// dialer's timeout.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	const op = "egress.Dial"
	family := lookupFamily(network)
	if family == "" {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: fmt.Sprintf("network %q is not allowed for a connection test; only tcp is", network)}
	}
	host, portText, err := net.SplitHostPort(address)
	port, perr := strconv.ParseUint(portText, 10, 16)
	if err != nil || perr != nil || host == "" {
		return nil, &tether.Error{Code: tether.EINVALID, Op: op, Message: fmt.Sprintf("%q is not a host:port address", address)}
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	ips, err := d.resolve(ctx, family, host)
	if err != nil {
		return nil, err
	}
	return d.dial(ctx, network, host, ips, uint16(port))
}

// lookupFamily returns the resolver's network for a dial network, or ""
// for a network a connection test may not use.
func lookupFamily(network string) string {
	switch network {
	case "tcp":
		return "ip"
	case "tcp4":
		return "ip4"
	case "tcp6":
		return "ip6"
	}
	return ""
}

// resolve returns the addresses of host (one lookup, or the literal IP
// itself), all of them permitted by the policy.
func (d *Dialer) resolve(ctx context.Context, family, host string) ([]netip.Addr, error) {
	const op = "egress.Dial"
	literal, err := netip.ParseAddr(host)
	ips := []netip.Addr{literal}
	if err != nil {
		ips, err = d.resolver.LookupNetIP(ctx, family, host)
		if err != nil {
			return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: fmt.Sprintf("cannot resolve host %q", host), Err: err}
		}
		if len(ips) == 0 {
			return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: fmt.Sprintf("host %q has no address", host)}
		}
	}
	for _, ip := range ips {
		if ok, reason := d.policy.Permits(ip); !ok {
			return nil, refusal(host, ip, reason)
		}
	}
	return ips, nil
}

// refusal is the EFORBIDDEN error for a refused address: it names the host,
// the address, its range and the flag that allows it.
func refusal(host string, ip netip.Addr, reason string) error {
	ip = ip.WithZone("")
	allow := ip.Unmap()
	if v4, _, ok := embeddedIPv4(ip); ok {
		allow = v4
	}
	subject := fmt.Sprintf("host %q at %s", host, ip)
	if literal, err := netip.ParseAddr(host); err == nil && literal.WithZone("") == ip {
		subject = "address " + ip.String()
	}
	msg := fmt.Sprintf("the server may not reach %s, refused as %s; an operator can allow it with %s=%s",
		subject, reason, AllowFlag, netip.PrefixFrom(allow, allow.BitLen()))
	return &tether.Error{Code: tether.EFORBIDDEN, Op: "egress.Dial", Message: msg}
}

// dial connects to the first of ips that answers. The socket's Control
// hook checks the address once more, right before connect, so nothing but
// a permitted IP is ever connected to.
func (d *Dialer) dial(ctx context.Context, network, host string, ips []netip.Addr, port uint16) (net.Conn, error) {
	nd := net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if ok, reason := d.policy.Permits(ap.Addr()); !ok {
			return refusal(host, ap.Addr(), reason)
		}
		return nil
	}}
	var last error
	for _, ip := range ips {
		conn, err := nd.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), port).String())
		if err == nil {
			return conn, nil
		}
		var refused *tether.Error
		if errors.As(err, &refused) {
			return nil, refused
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, dialError(host, port, last, ctx.Err() != nil)
}

// dialError is the EUNAVAILABLE error of a dial that reached no address.
// A dial can end on its deadline a moment before the context notices, so
// a timeout is told by the error as well as by the context.
func dialError(host string, port uint16, err error, timedOut bool) error {
	what := "cannot connect to"
	var ne net.Error
	if timedOut || errors.As(err, &ne) && ne.Timeout() {
		what = "timed out connecting to"
	} else if errors.Is(err, syscall.ECONNREFUSED) {
		what = "connection refused by"
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: "egress.Dial", Message: fmt.Sprintf("%s host %q port %d", what, host, port), Err: err}
}
