package conntype_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// probeCase is one connection test of a type against a real service: the
// code of the error it must end with ("" for success) and a part of its
// message.
type probeCase struct {
	name string
	conn *tether.Connection
	code string
	msg  string
	env  *tether.ProbeEnv // nil: plainProbeEnv
	// timeout, if set, bounds the probe's context: the probe must end
	// with it (well before the HTTP client's own timeout).
	timeout time.Duration
}

// plainProbeEnv is the environment of a test run from the caller's machine:
// a plain HTTP client with timeouts and a plain dialer (the egress policy
// of server-side tests is tested with its package).
func plainProbeEnv() tether.ProbeEnv {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return tether.ProbeEnv{
		HTTP: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
			DialContext: d.DialContext, TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 10 * time.Second}},
		Dial: d.DialContext,
	}
}

// runProbeCases validates each case's connection, runs its type's probe and
// checks the outcome, and that neither the message nor the error's full
// text holds any of the secrets.
func runProbeCases(t *testing.T, cases []probeCase, secrets ...string) {
	t.Helper()
	reg := conntype.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := reg.Validate(tc.conn); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			probe := reg.Type(tc.conn.Spec.Type).Probe
			if probe == nil {
				t.Fatalf("type %s has no probe", tc.conn.Spec.Type)
			}
			timeout := time.Minute
			if tc.timeout > 0 {
				timeout = tc.timeout
			}
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			env := plainProbeEnv()
			if tc.env != nil {
				env = *tc.env
			}
			start := time.Now()
			msg, err := probe(ctx, tc.conn, env)
			if tc.timeout > 0 && time.Since(start) > tc.timeout+5*time.Second {
				t.Errorf("probe took %v, past its context's deadline of %v", time.Since(start), tc.timeout)
			}
			if got := tether.ErrorCode(err); got != tc.code {
				t.Fatalf("probe: got code %q (%v, message %q), want %q", got, err, msg, tc.code)
			}
			shown := msg
			if err != nil {
				shown = tether.ErrorMessage(err)
				if shown == "internal error" {
					t.Errorf("probe error has no safe message: %v", err)
				}
			}
			if !strings.Contains(shown, tc.msg) {
				t.Errorf("probe said %q, want it to contain %q", shown, tc.msg)
			}
			for _, s := range secrets {
				if strings.Contains(shown, s) || (err != nil && strings.Contains(err.Error(), s)) {
					t.Errorf("probe output holds a secret: %q / %v", shown, err)
				}
			}
		})
	}
}

// closedPort returns a local address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// refusingProbeEnv is the environment of a server whose egress policy
// refuses every address: each dial fails with EFORBIDDEN.
func refusingProbeEnv() *tether.ProbeEnv {
	dial := func(_ context.Context, _, address string) (net.Conn, error) {
		return nil, tether.Errorf(tether.EFORBIDDEN, "connection test refused: %s is not allowed", address)
	}
	return &tether.ProbeEnv{HTTP: &http.Client{Transport: &http.Transport{DialContext: dial}}, Dial: dial}
}

// stalledAddr returns the address of a local listener that accepts
// connections and never answers; they stay open until the test ends.
func stalledAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}
