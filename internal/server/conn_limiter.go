package server

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// connLimiter is a listener that serves at most cap connections at once.
// Past the cap it accepts each new connection and closes it at once,
// rather than leaving it in the kernel's backlog as a blocking limit
// (netutil.LimitListener) does: the client fails fast, so a load balancer
// or a retrying client moves on, the process's file descriptors stay
// bounded, and no caller waits without end behind connections that stall
// (which the read timeout closes).
type connLimiter struct {
	net.Listener
	slots    chan struct{}
	log      *slog.Logger
	lastWarn atomic.Int64 // unix nanoseconds of the last "cap reached" warning
}

func newConnLimiter(ln net.Listener, limit int, log *slog.Logger) *connLimiter {
	return &connLimiter{Listener: ln, slots: make(chan struct{}, limit), log: log}
}

// Accept returns the next connection that fits under the cap.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitedConn{Conn: c, slots: l.slots}, nil
		default:
			_ = c.Close()
			l.warnFull()
		}
	}
}

// warnFull logs, at most once a minute, that connections are refused.
func (l *connLimiter) warnFull() {
	now, last := time.Now().UnixNano(), l.lastWarn.Load()
	if now-last < int64(time.Minute) || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.log.Warn("connection cap reached: closing new connections", "max_connections", cap(l.slots))
}

// limitedConn frees its slot when it is closed (once, however often Close
// is called).
type limitedConn struct {
	net.Conn
	slots chan struct{}
	once  sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.slots })
	return err
}
