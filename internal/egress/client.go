package egress

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/tether-ml/tether"
)

// Defaults of HTTPConfig's zero fields.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultHeaderTimeout    = 10 * time.Second
	DefaultTimeout          = 30 * time.Second
	DefaultMaxBody          = 1 << 20 // 1 MiB: a listing, a token, a tag list
	DefaultMaxRedirects     = 3
)

// HTTPConfig bounds an HTTPClient. A zero field takes its default.
type HTTPConfig struct {
	// TLS is the client's TLS configuration (a connection's caBundle, say);
	// nil means the system roots.
	TLS *tls.Config
	// HandshakeTimeout bounds the TLS handshake.
	HandshakeTimeout time.Duration
	// HeaderTimeout bounds the wait for the response headers once the
	// request is written: a target that accepts and never answers ends here.
	HeaderTimeout time.Duration
	// Timeout bounds a whole exchange, redirects and body included.
	Timeout time.Duration
	// MaxBody is the most bytes of a response body the caller can read;
	// reading past it fails with ETOOLARGE instead of truncating silently.
	MaxBody int64
	// MaxRedirects is the most redirects followed; one more fails.
	MaxRedirects int
}

// withDefaults returns c with its zero fields set to their defaults.
func (c HTTPConfig) withDefaults() HTTPConfig {
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.HeaderTimeout <= 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	return c
}

// HTTPClient returns an *http.Client whose every connection, redirects
// included, is dialled through d. It uses no proxy, whatever HTTP_PROXY and
// HTTPS_PROXY say: through a proxy the policy would check the proxy's
// address, not the target's. A redirect from https to http is refused (it
// would send the request's credentials in clear text), and so is one more
// redirect than cfg.MaxRedirects. Response bodies are bounded by
// cfg.MaxBody.
//
// The errors of its Do are *url.Error values whose text carries the request
// URL (and so a query string that may hold a signature): show Scrub(err).
func HTTPClient(d *Dialer, cfg HTTPConfig) *http.Client {
	cfg = cfg.withDefaults()
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSClientConfig:        cfg.TLS,
		TLSHandshakeTimeout:    cfg.HandshakeTimeout,
		ResponseHeaderTimeout:  cfg.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport:     bodyLimit{next: transport, max: cfg.MaxBody},
		CheckRedirect: checkRedirect(cfg.MaxRedirects),
		Timeout:       cfg.Timeout,
	}
}

// checkRedirect stops after max redirects and refuses a downgrade to http.
func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > max {
			return tether.Errorf(tether.EINVALID, "host %q redirected more than %d times", via[0].URL.Hostname(), max)
		}
		if prev := via[len(via)-1]; prev.URL.Scheme == "https" && req.URL.Scheme != "https" {
			return tether.Errorf(tether.EFORBIDDEN, "the server may not follow host %q from https to %s", prev.URL.Hostname(), req.URL.Scheme)
		}
		return nil
	}
}

// bodyLimit bounds the response bodies of the transport it wraps.
type bodyLimit struct {
	next http.RoundTripper
	max  int64
}

// RoundTrip implements http.RoundTripper.
func (b bodyLimit) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: b.max, max: b.max}
	return resp, nil
}

// limitedBody reads at most max bytes, then fails with ETOOLARGE if the
// body goes on.
type limitedBody struct {
	io.ReadCloser
	left, max int64
}

// Read implements io.Reader.
func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		n, err := l.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, tether.Errorf(tether.ETOOLARGE, "the response body is over %d bytes", l.max)
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.ReadCloser.Read(p)
	l.left -= int64(n)
	return n, err
}

// Scrub returns an error of an HTTPClient's exchange in a form safe to show
// and log: the *tether.Error it carries (a refusal, a bound), or else an
// EUNAVAILABLE error naming only the host and, for well-known failures
// (timeout, refused connection, untrusted certificate), what went wrong.
// The request URL, with its user info and query, is dropped.
func Scrub(err error) error {
	if err == nil {
		return nil
	}
	var te *tether.Error
	if errors.As(err, &te) {
		return te
	}
	host, cause := "", err
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Hostname()
		}
		cause = ue.Err
	}
	msg := fmt.Sprintf("request to host %q failed", host)
	if what := knownFailure(cause); what != "" {
		msg += ": " + what
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: "egress.Request", Message: msg}
}

// knownFailure names the failures whose cause is worth showing and carries
// no part of the URL; "" for any other.
func knownFailure(err error) string {
	var ne net.Error
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &unknownCA):
		return "certificate signed by an unknown authority"
	case errors.As(err, &hostname):
		return hostname.Error()
	case errors.As(err, &invalid):
		return invalid.Error()
	}
	return ""
}
