package egress_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// TestDialTimeoutConnecting holds that a connect that is never answered
// ends by the dialer's timeout, whatever the caller's context allows. The
// target is a socket listening with a backlog of 0 that never accepts:
// once one connection fills its queue, Linux drops further SYNs.
func TestDialTimeoutConnecting(t *testing.T) {
	port := fullBacklog(t)
	d := egress.NewDialer(allow("127.0.0.1/32"), nil, 200*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
	if err == nil {
		conn.Close()
		t.Fatal("DialContext succeeded; want a timeout")
	}
	if code := tether.ErrorCode(err); code != tether.EUNAVAILABLE || !strings.Contains(tether.ErrorMessage(err), "timed out connecting") {
		t.Errorf("DialContext = %q %q; want %q timed out", code, tether.ErrorMessage(err), tether.EUNAVAILABLE)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("the dial took %s; want it ended by the 200ms timeout", elapsed)
	}
}

// fullBacklog returns the port of a local socket that listens with a
// backlog of 0, never accepts, and already holds one connection.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	filler, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filler.Close() })
	return port
}
