package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/tether-ml/tether"
)

// Retry policy of the client. Only calls that cannot be applied twice are
// retried: reads (GET, HEAD) on 429, 503 and a connection lost after it was
// made; updates and deletes (PUT, DELETE) on 429 only, which the server
// answers before acting. A create (POST) is never retried.
const (
	maxAttempts  = 4
	firstBackoff = 250 * time.Millisecond
	// maxRetryWait caps one wait: a longer Retry-After fails the call at
	// once, with the server's message, rather than block the caller.
	maxRetryWait = 10 * time.Second
)

// errNoAnswer cancels a request whose answer did not start in time.
var errNoAnswer = errors.New("no answer in time")

// attempt performs req once, within the client's response timeout: the
// time from sending the request to the first byte of the answer's headers.
// A streamed upload (a body that cannot be read twice, such as a restore)
// is answered when the server has processed all of it, so it is not timed.
func (c *Client) attempt(req *http.Request) (*http.Response, error) {
	if c.responseTimeout <= 0 || (req.Body != nil && req.GetBody == nil) {
		return c.http.Do(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(c.responseTimeout, func() { cancel(errNoAnswer) })
	resp, err := c.http.Do(req.WithContext(ctx))
	timer.Stop()
	if err != nil {
		timedOut := errors.Is(context.Cause(ctx), errNoAnswer)
		cancel(nil)
		if timedOut {
			return nil, c.noAnswer(req)
		}
		return nil, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

func (c *Client) noAnswer(req *http.Request) error {
	return &tether.Error{Code: tether.EUNAVAILABLE, Message: fmt.Sprintf(
		"the tether server at %s did not answer %s %s within %v (--response-timeout, TETHER_RESPONSE_TIMEOUT)",
		c.base, req.Method, req.URL.Path, c.responseTimeout)}
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// retryWait says whether a call that got resp or err on attempt n (0-based)
// is tried again, and after how long.
func retryWait(req *http.Request, resp *http.Response, err error, n int) (time.Duration, bool) {
	if n+1 >= maxAttempts {
		return 0, false
	}
	read := req.Method == http.MethodGet || req.Method == http.MethodHead
	idempotent := read || req.Method == http.MethodPut || req.Method == http.MethodDelete
	switch {
	case err != nil:
		if !read || !lostConnection(err) {
			return 0, false
		}
	case resp.StatusCode == http.StatusTooManyRequests:
		if !idempotent {
			return 0, false
		}
	case resp.StatusCode == http.StatusServiceUnavailable:
		if !read {
			return 0, false
		}
	default:
		return 0, false
	}
	wait := backoff(n)
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			wait = d
		}
	}
	return wait, wait <= maxRetryWait
}

// lostConnection reports whether err is a connection lost after it was
// made (reset, closed early): a server restarting. A refused or timed out
// dial is not retried: the server is down, and saying so at once helps.
func lostConnection(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	var te *tether.Error
	return !errors.As(err, &te) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// backoff is the wait before retry n+1: doubling from firstBackoff, with
// jitter so that clients throttled together do not return together.
func backoff(n int) time.Duration {
	d := firstBackoff << n
	return d/2 + rand.N(d/2+1) //nolint:gosec // jitter, not a secret
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isJSON reports whether an answer says it is JSON, as every answer of a
// Tether server's API does.
func isJSON(resp *http.Response) bool {
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// notTether is the error for an answer no Tether server gives: an HTML
// page, a plain-text 404, a JSON body without a message.
func (c *Client) notTether(req *http.Request, resp *http.Response) error {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	return tether.Errorf(tether.EUNAVAILABLE,
		"%s is not a Tether server: it answered %s %s with %s (%s); check --url or TETHER_URL",
		c.base, req.Method, req.URL.Path, resp.Status, ct)
}
