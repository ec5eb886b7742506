package controller_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// netCut is a TCP proxy to a real server that a test can cut and restore,
// so that a component under test sees that server become unreachable (its
// connections reset, new ones refused) while other tests keep using it.
type netCut struct {
	target string
	mu     sync.Mutex
	ln     net.Listener
	addr   string
	conns  map[net.Conn]bool
}

// newNetCut starts a proxy to target (host:port) on a free loopback port.
func newNetCut(t testing.TB, target string) *netCut {
	t.Helper()
	p := &netCut{target: target, conns: map[net.Conn]bool{}}
	if err := p.listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.cut)
	return p
}

// Addr is the proxy's host:port.
func (p *netCut) Addr() string { return p.addr }

// listen accepts connections on addr and relays them to the target.
func (p *netCut) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go p.accept(ln)
	return nil
}

func (p *netCut) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.relay(c)
	}
}

// relay copies between c and a new connection to the target until either
// side closes or the proxy is cut.
func (p *netCut) relay(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_ = c.Close()
	_ = up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// cut closes the listener and every relayed connection: the target is
// unreachable through the proxy until restore.
func (p *netCut) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
}

// restore listens again on the same address.
func (p *netCut) restore(t testing.TB) {
	t.Helper()
	if err := p.listen(p.addr); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("restore the proxy on %s: %v", p.addr, err)
	}
}
