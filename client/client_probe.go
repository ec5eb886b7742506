package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tether-ml/tether"
)

var _ tether.ProbeService = (*Client)(nil)

// probeAnswerWait is how much longer than other calls a connection test
// may take to be answered: the server answers when the test ends, which
// its --test-timeout (30s by default) bounds.
const probeAnswerWait = time.Minute

// Test runs the test of the stored connection ns/id on the server, with
// its stored secrets, and returns the result, which the server keeps as
// the connection's status.lastTest. A test that ran and failed is a result
// with OK false, not an error.
func (c *Client) Test(ctx context.Context, ns, id string) (*tether.ProbeResult, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	var out tether.ProbeResult
	return &out, c.probing().do(ctx, http.MethodPost, p+"/"+url.PathEscape(id)+"/test", nil, nil, &out)
}

// TestSpec runs the test of conn, which is not stored, on the server, with
// the secrets it holds (base64, as posted); nothing is kept.
func (c *Client) TestSpec(ctx context.Context, ns string, conn *tether.Connection) (*tether.ProbeResult, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	var out tether.ProbeResult
	return &out, c.probing().do(ctx, http.MethodPost, p+"/test", nil, conn, &out)
}

// probing returns c with the wait for an answer extended by
// probeAnswerWait, unless it is unbounded.
func (c *Client) probing() *Client {
	out := *c
	if out.responseTimeout > 0 {
		out.responseTimeout += probeAnswerWait
	}
	return &out
}
