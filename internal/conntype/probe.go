package conntype

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/tether-ml/tether"
)

// The probes of the types (ConnectionType.Probe) reach their targets only
// through the tether.ProbeEnv they are given: its HTTP client or its Dial.
// Their errors are written here, in words safe to show: an SDK's or a
// server's own error text can quote a URL, a signature or a token, so it
// is never passed on, only a code it carries or a well-known failure.

// defaultProbeTimeout bounds a probe whose context has no deadline and
// whose HTTP client has no timeout.
const defaultProbeTimeout = 30 * time.Second

// probeContext returns ctx bounded by the HTTP client's timeout, or by
// defaultProbeTimeout, when it has no deadline of its own: a client library
// that builds its own http.Client from env's transport loses the client's
// timeout.
func probeContext(ctx context.Context, env tether.ProbeEnv) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	d := defaultProbeTimeout
	if env.HTTP != nil && env.HTTP.Timeout > 0 {
		d = env.HTTP.Timeout
	}
	return context.WithTimeout(ctx, d)
}

// probeHTTP returns the HTTP client of a probe of c: env.HTTP, or, when c
// has a caBundle parameter, a client that trusts the bundle (and the
// system's roots) and dials through env.Dial, keeping env.HTTP's redirect
// policy and timeout.
func probeHTTP(c *tether.Connection, env tether.ProbeEnv) (*http.Client, error) {
	ca := paramBytes(c, "caBundle")
	if ca == nil {
		return env.HTTP, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(ca) {
		return nil, tether.Errorf(tether.EINVALID, "parameters.caBundle holds no PEM certificate")
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           env.Dial,
		TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		ForceAttemptHTTP2:     true,
		// A probe makes a request or three, with a client of its own:
		// no connection is kept for later.
		DisableKeepAlives: true,
	}
	client := &http.Client{Transport: transport, Timeout: defaultProbeTimeout}
	if env.HTTP != nil {
		client.CheckRedirect, client.Timeout = env.HTTP.CheckRedirect, env.HTTP.Timeout
	}
	return client, nil
}

// unreachable returns the error of a target at host that could not be
// reached: the *tether.Error of the egress policy (a refused address) if
// err carries one, or else EUNAVAILABLE naming the host and, for
// well-known failures, what went wrong. err's own text is not shown.
func unreachable(op, host string, err error) error {
	var te *tether.Error
	if errors.As(err, &te) {
		return &tether.Error{Code: te.Code, Op: op, Message: te.Message}
	}
	msg := fmt.Sprintf("could not reach %s", host)
	if what := networkFailure(err); what != "" {
		msg += ": " + what
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: msg}
}

// networkFailure names the failures worth showing, whose words carry no
// part of a request; "" for any other.
func networkFailure(err error) string {
	var ne net.Error
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dns):
		return "the name does not resolve"
	case errors.As(err, &unknownCA):
		return "certificate signed by an unknown authority (set parameters.caBundle)"
	case errors.As(err, &hostname):
		return "the certificate is not valid for this host"
	case errors.As(err, &invalid):
		return "the certificate is not valid"
	}
	return ""
}

// safeCode returns code if it is a short word of letters, digits, '.',
// '_' and '-' (an error code such as NoSuchBucket), or "": a code comes
// from the server and is shown only if it cannot carry anything else.
func safeCode(code string) string {
	if len(code) == 0 || len(code) > 64 {
		return ""
	}
	for _, r := range code {
		ok := ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') ||
			r == '.' || r == '_' || r == '-'
		if !ok {
			return ""
		}
	}
	return code
}
