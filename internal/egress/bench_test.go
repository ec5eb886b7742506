package egress_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/tether-ml/tether/internal/egress"
)

// BenchmarkPermits measures the policy check of one address, for a public
// address (every range checked), a refused one and an IPv4-mapped one.
func BenchmarkPermits(b *testing.B) {
	p := allow("10.1.0.0/16", "127.0.0.1/32")
	for _, addr := range []string{"52.95.110.1", "169.254.169.254", "::ffff:8.8.8.8", "2a00:1450:4001:80b::200e"} {
		ip := netip.MustParseAddr(addr)
		b.Run(addr, func(b *testing.B) {
			for b.Loop() {
				p.Permits(ip)
			}
		})
	}
}

// BenchmarkDial measures a checked dial to an allowed local listener, by
// literal IP and by a name the resolver answers.
func BenchmarkDial(b *testing.B) {
	port, _ := listen(b, "127.0.0.1:0")
	res := &resolver{answers: map[string][][]string{"svc.test": {{"127.0.0.1"}}}}
	d := egress.NewDialer(allow("127.0.0.1/32"), res, time.Second)
	for _, host := range []string{"127.0.0.1", "svc.test"} {
		b.Run(host, func(b *testing.B) {
			address := net.JoinHostPort(host, port)
			for b.Loop() {
				conn, err := d.DialContext(context.Background(), "tcp", address)
				if err != nil {
					b.Fatal(err)
				}
				conn.Close()
			}
		})
	}
	b.Run("net.Dialer baseline", func(b *testing.B) {
		var nd net.Dialer
		for b.Loop() {
			conn, err := nd.DialContext(context.Background(), "tcp", "127.0.0.1:"+port)
			if err != nil {
				b.Fatal(err)
			}
			conn.Close()
		}
	})
}
