package egress_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// resolver answers from a table and counts its lookups. answers[host][i]
// is the answer to the i-th lookup of host (the last one repeats), which
// lets a test play a rebinding DNS server.
type resolver struct {
	answers map[string][][]string
	mu      sync.Mutex
	calls   map[string]int
}

func (r *resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	n := r.calls[host]
	r.calls[host]++
	seq, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	answer := seq[min(n, len(seq)-1)]
	ips := make([]netip.Addr, len(answer))
	for i, a := range answer {
		ips[i] = netip.MustParseAddr(a)
	}
	return ips, nil
}

func (r *resolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[host]
}

// listen starts a TCP listener on addr that accepts, counts and closes
// every connection, and returns its port and the accept count.
func listen(t testing.TB, addr string) (port string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, accepted
}

func allow(cidrs ...string) *egress.Policy {
	var ps []netip.Prefix
	for _, c := range cidrs {
		ps = append(ps, netip.MustParsePrefix(c))
	}
	return egress.NewPolicy(ps)
}

// TestDialRefused holds that a refused literal IP, or a name with any
// refused address among its answers, is EFORBIDDEN naming the host, the
// address and the flag, that nothing is connected to, and that the name is
// looked up once.
func TestDialRefused(t *testing.T) {
	port, accepted := listen(t, "127.0.0.1:0")
	res := &resolver{answers: map[string][][]string{
		"local.test":    {{"127.0.0.1"}},
		"mixed.test":    {{"93.184.215.14", "127.0.0.1"}},
		"mixed6.test":   {{"2606:4700:4700::1111", "fd00:ec2::254"}},
		"half.test":     {{"127.0.0.1", "169.254.169.254"}},
		"metadata.test": {{"169.254.169.254"}},
		"mapped.test":   {{"::ffff:127.0.0.1"}},
		"nat64.test":    {{"64:ff9b::7f00:1"}},
	}}
	for _, tc := range []struct {
		name    string
		policy  *egress.Policy
		host    string
		want    []string // in the message
		lookups int
	}{
		{"literal loopback", allow(), "127.0.0.1", []string{"address 127.0.0.1", "loopback", "--test-allow-cidr=127.0.0.1/32"}, 0},
		{"literal other loopback", allow("127.0.0.1/32"), "127.0.0.2", []string{"127.0.0.2", "loopback"}, 0},
		{"literal metadata", allow(), "169.254.169.254", []string{"169.254.169.254", "cloud metadata"}, 0},
		{"literal IPv6 loopback", allow("127.0.0.1/32"), "[::1]", []string{"::1", "loopback", "=::1/128"}, 0},
		{"literal mapped", allow(), "[::ffff:127.0.0.1]", []string{"::ffff:127.0.0.1", "IPv4-mapped", "=127.0.0.1/32"}, 0},
		{"literal NAT64", allow(), "[64:ff9b::7f00:1]", []string{"64:ff9b::7f00:1", "NAT64", "=127.0.0.1/32"}, 0},
		{"name to loopback", allow(), "local.test", []string{`host "local.test" at 127.0.0.1`, "loopback"}, 1},
		{"name to public and loopback", allow(), "mixed.test", []string{`"mixed.test"`, "127.0.0.1", "loopback"}, 1},
		{"name to public and ULA", allow(), "mixed6.test", []string{`"mixed6.test"`, "fd00:ec2::254", "unique local"}, 1},
		{"name to allowed and metadata", allow("127.0.0.1/32"), "half.test", []string{`"half.test"`, "169.254.169.254", "cloud metadata"}, 1},
		{"name to metadata", allow("127.0.0.1/32"), "metadata.test", []string{"169.254.169.254", "cloud metadata"}, 1},
		{"name to mapped", allow(), "mapped.test", []string{"::ffff:127.0.0.1", "loopback"}, 1},
		{"name to NAT64", allow(), "nat64.test", []string{"64:ff9b::7f00:1", "loopback"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := res.count(tc.host)
			d := egress.NewDialer(tc.policy, res, time.Second)
			conn, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(strings.Trim(tc.host, "[]"), port))
			if err == nil {
				conn.Close()
				t.Fatal("DialContext succeeded; want EFORBIDDEN")
			}
			if code := tether.ErrorCode(err); code != tether.EFORBIDDEN {
				t.Fatalf("code = %q (%v); want %q", code, err, tether.EFORBIDDEN)
			}
			for _, w := range tc.want {
				if msg := tether.ErrorMessage(err); !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if got := res.count(tc.host) - before; got != tc.lookups {
				t.Errorf("lookups = %d; want %d", got, tc.lookups)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener accepted %d connections; want 0", n)
	}
}

// TestDialAllowed holds that an allowed address, literal or resolved, is
// connected to.
func TestDialAllowed(t *testing.T) {
	port, accepted := listen(t, "127.0.0.1:0")
	res := &resolver{answers: map[string][][]string{"svc.test": {{"127.0.0.1"}}, "mapped.test": {{"::ffff:127.0.0.1"}}}}
	d := egress.NewDialer(allow("127.0.0.1/32"), res, time.Second)
	for i, host := range []string{"127.0.0.1", "svc.test", "mapped.test", "::ffff:127.0.0.1"} {
		conn, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if err != nil {
			t.Fatalf("DialContext(%s): %v", host, err)
		}
		conn.Close()
		waitFor(t, func() bool { return accepted.Load() == int64(i+1) })
	}
}

// TestDialSystemResolver holds the dialer with the system's resolver:
// "localhost" is refused by default and reached once its loopback
// addresses are allowed.
func TestDialSystemResolver(t *testing.T) {
	port, accepted := listen(t, "127.0.0.1:0")
	address := net.JoinHostPort("localhost", port)
	_, err := egress.NewDialer(allow(), nil, time.Second).DialContext(context.Background(), "tcp", address)
	if code, msg := tether.ErrorCode(err), tether.ErrorMessage(err); code != tether.EFORBIDDEN || !strings.Contains(msg, `host "localhost" at`) || !strings.Contains(msg, "loopback") {
		t.Errorf("default policy: %q %q; want %q naming localhost as loopback", code, msg, tether.EFORBIDDEN)
	}
	conn, err := egress.NewDialer(allow("127.0.0.1/32", "::1/128"), nil, time.Second).DialContext(context.Background(), "tcp4", address)
	if err != nil {
		t.Fatalf("loopback allowed: %v", err)
	}
	conn.Close()
	waitFor(t, func() bool { return accepted.Load() == 1 })
}

// TestDialResolvesOnce holds that the dialer connects to the address of
// its one lookup: a rebinding resolver whose second answer is the cloud
// metadata address is asked once, and the connection goes to the first
// (allowed) answer.
func TestDialResolvesOnce(t *testing.T) {
	port, accepted := listen(t, "127.0.0.1:0")
	res := &resolver{answers: map[string][][]string{"rebind.test": {{"127.0.0.1"}, {"169.254.169.254"}}}}
	d := egress.NewDialer(allow("127.0.0.1/32", "169.254.0.0/16"), res, time.Second)
	conn, err := d.DialContext(context.Background(), "tcp", net.JoinHostPort("rebind.test", port))
	if err != nil {
		t.Fatalf("DialContext: %v", err)
	}
	defer conn.Close()
	if got := res.count("rebind.test"); got != 1 {
		t.Errorf("lookups = %d; want 1", got)
	}
	if got := conn.RemoteAddr().String(); got != "127.0.0.1:"+port {
		t.Errorf("connected to %s; want 127.0.0.1:%s", got, port)
	}
	waitFor(t, func() bool { return accepted.Load() == 1 })
}

// TestDialFailures holds the errors of dials that are not refusals.
func TestDialFailures(t *testing.T) {
	port, _ := listen(t, "127.0.0.1:0")
	closed := closedPort(t)
	res := &resolver{answers: map[string][][]string{"empty.test": {{}}}}
	d := egress.NewDialer(allow("127.0.0.1/32"), res, time.Second)
	for _, tc := range []struct {
		network, address, code, want string
	}{
		{"udp", "127.0.0.1:" + port, tether.EINVALID, `network "udp"`},
		{"tcp", "127.0.0.1", tether.EINVALID, "not a host:port"},
		{"tcp", ":" + port, tether.EINVALID, "not a host:port"},
		{"tcp", "127.0.0.1:99999", tether.EINVALID, "not a host:port"},
		{"tcp", "nowhere.test:" + port, tether.EUNAVAILABLE, `cannot resolve host "nowhere.test"`},
		{"tcp", "empty.test:" + port, tether.EUNAVAILABLE, `host "empty.test" has no address`},
		{"tcp", "127.0.0.1:" + closed, tether.EUNAVAILABLE, "connection refused"},
	} {
		_, err := d.DialContext(context.Background(), tc.network, tc.address)
		if code := tether.ErrorCode(err); code != tc.code || !strings.Contains(tether.ErrorMessage(err), tc.want) {
			t.Errorf("DialContext(%s, %s) = %q %q; want %q with %q", tc.network, tc.address, code, tether.ErrorMessage(err), tc.code, tc.want)
		}
	}
}

// TestDialTimeoutResolving holds that a lookup that never answers ends
// by the dialer's timeout, whatever the caller's context allows.
func TestDialTimeoutResolving(t *testing.T) {
	d := egress.NewDialer(allow(), stalledResolver{}, 200*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err := d.DialContext(ctx, "tcp", "slow.test:443")
	if code := tether.ErrorCode(err); code != tether.EUNAVAILABLE || !strings.Contains(tether.ErrorMessage(err), `cannot resolve host "slow.test"`) {
		t.Errorf("DialContext = %q %q; want %q", code, tether.ErrorMessage(err), tether.EUNAVAILABLE)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("the dial took %s; want it ended by the 200ms timeout", elapsed)
	}
}

// stalledResolver answers no lookup before its context ends.
type stalledResolver struct{}

func (stalledResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// closedPort returns a local port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
	}
}
