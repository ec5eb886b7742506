package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tether-ml/tether"
)

// TokenSource returns the bearer token for the next call. It is called on
// every request, so a token file that is rotated (a projected Kubernetes
// service-account token) is picked up.
type TokenSource func() (string, error)

// Client calls a Tether server's API. It implements
// tether.ConnectionService, so code written against the service works
// locally and remotely alike.
type Client struct {
	base  string
	http  *http.Client
	token TokenSource
	job   string
	// responseTimeout bounds the wait for an answer to start (0: none).
	responseTimeout time.Duration
}

var _ tether.ConnectionService = (*Client)(nil)

// NewClient returns a client of the server at baseURL (e.g.
// "http://127.0.0.1:8080"). hc may be nil for http.DefaultClient.
func NewClient(baseURL string, token TokenSource, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, tether.Errorf(tether.EINVALID, "server URL %q must be an absolute http(s) URL", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(u.String(), "/"), http: hc, token: token}, nil
}

// WithToken returns a client that authenticates with token instead,
// sharing c's HTTP client (its connections and TLS settings): one client
// per identity, one pool of connections for all.
func (c *Client) WithToken(token TokenSource) *Client {
	out := *c
	out.token = token
	return &out
}

// WithJob returns a client whose requests say they act for job
// (X-Tether-Job), which the server records in its audit log.
func (c *Client) WithJob(job string) *Client {
	out := *c
	out.job = job
	return &out
}

// connPath is the path of the connection collection in ns: always the
// namespaced route, whose messages name the namespace (Odahu's routes
// answer in Odahu's words).
func connPath(ns string) (string, error) {
	if ns == "" {
		ns = tether.DefaultNamespace
	}
	if !tether.NamespacePattern.MatchString(ns) {
		return "", tether.Errorf(tether.EINVALID, "namespace %q is not a valid namespace name", ns)
	}
	return "/api/v1/namespaces/" + ns + "/connection", nil
}

// Get returns the masked connection.
func (c *Client) Get(ctx context.Context, ns, id string) (*tether.Connection, error) {
	return c.getOne(ctx, ns, id, "")
}

// Reveal returns the connection with its secrets.
func (c *Client) Reveal(ctx context.Context, ns, id string) (*tether.Connection, error) {
	return c.getOne(ctx, ns, id, "/decrypted")
}

// Deliver returns the connection as a job gets it: revealed, with its
// credential exchanged for a short-lived one where its type does so (an s3
// role's STS session, an ECR token), and Status.Expiry set. It needs the
// reveal permission.
func (c *Client) Deliver(ctx context.Context, ns, id string) (*tether.Connection, error) {
	return c.getOne(ctx, ns, id, "/decrypted?delivery=true")
}

func (c *Client) getOne(ctx context.Context, ns, id, suffix string) (*tether.Connection, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	var out tether.Connection
	return &out, c.do(ctx, http.MethodGet, p+"/"+url.PathEscape(id)+suffix, nil, nil, &out)
}

// List returns one page of masked connections.
func (c *Client) List(ctx context.Context, ns string, f tether.ConnectionFilter) ([]*tether.Connection, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	q := url.Values{"type": f.Types}
	if f.Page != 0 {
		q.Set("page", strconv.Itoa(f.Page))
	}
	if f.Size != 0 {
		q.Set("size", strconv.Itoa(f.Size))
	}
	if f.After != "" {
		q.Set("after", f.After)
	}
	var out []*tether.Connection
	return out, c.do(ctx, http.MethodGet, p+"?"+q.Encode(), nil, nil, &out)
}

// ListAll returns every masked connection of the given types (all types if
// none), reading page after page with the keyset cursor, so each page costs
// the same however many connections there are.
func (c *Client) ListAll(ctx context.Context, ns string, types []string) ([]*tether.Connection, error) {
	var all []*tether.Connection
	f := tether.ConnectionFilter{Types: types, Size: tether.MaxPageSize}
	for {
		list, err := c.List(ctx, ns, f)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) < f.Size {
			return all, nil
		}
		f.After = list[len(list)-1].ID
	}
}

// Create creates a connection and returns it masked.
func (c *Client) Create(ctx context.Context, ns string, conn *tether.Connection) (*tether.Connection, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	var out tether.Connection
	return &out, c.do(ctx, http.MethodPost, p, nil, conn, &out)
}

// Update updates a connection and returns it masked.
func (c *Client) Update(ctx context.Context, ns string, conn *tether.Connection, opts tether.UpdateOptions) (*tether.Connection, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	if opts.Version != 0 {
		h.Set("If-Match", strconv.Quote(strconv.FormatInt(opts.Version, 10)))
	}
	path := p + "/" + url.PathEscape(conn.ID)
	if opts.Force {
		path += "?force=true"
	}
	var out tether.Connection
	return &out, c.do(ctx, http.MethodPut, path, h, conn, &out)
}

// Delete deletes a connection.
func (c *Client) Delete(ctx context.Context, ns, id string) error {
	p, err := connPath(ns)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p+"/"+url.PathEscape(id), nil, nil, nil)
}

// RotateKeys asks the server to rotate its key, calling progress for every
// progress line it streams, and returns the new key id.
func (c *Client) RotateKeys(ctx context.Context, progress func(done, total int)) (string, error) {
	resp, err := c.send(ctx, http.MethodPost, tether.PathRotateKeys, nil, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var p tether.RotateProgress
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return "", tether.Errorf(tether.EINTERNAL, "malformed progress from server")
		}
		switch {
		case p.Message != "":
			return "", tether.Errorf(tether.EINTERNAL, "%s", p.Message)
		case p.KeyID != "":
			return p.KeyID, nil
		case progress != nil:
			progress(p.Done, p.Total)
		}
	}
	return "", tether.Errorf(tether.EUNAVAILABLE, "key rotation stream ended early; run it again")
}

// do sends a request and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, h http.Header, in, out any) error {
	resp, err := c.send(ctx, method, path, h, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !isJSON(resp) {
		return c.notTether(resp.Request, resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return tether.Errorf(tether.EINTERNAL, "malformed answer from server (%s %s)", method, path)
	}
	return nil
}

// send performs a request; a non-2xx answer becomes a *tether.Error with the
// server's message and the code of its status.
func (c *Client) send(ctx context.Context, method, path string, h http.Header, in any) (*http.Response, error) {
	req, err := c.newRequest(ctx, method, path, h, in)
	if err != nil {
		return nil, err
	}
	return c.roundTrip(ctx, req)
}

// roundTrip performs req, retrying it as retryWait allows; see send.
func (c *Client) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	for n := 0; ; n++ {
		resp, err := c.attempt(req)
		wait, again := retryWait(req, resp, err, n)
		if !again || (req.Body != nil && req.GetBody == nil) {
			return c.answer(ctx, req, resp, err)
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, tether.MaxBodyBytes))
			resp.Body.Close()
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, tether.Internal("http.Client", err)
			}
		}
	}
}

// answer turns the outcome of a request into a 2xx response or a
// *tether.Error: the server's message with the code of its status, or, for
// an answer without Tether's error body, what was answered.
func (c *Client) answer(ctx context.Context, req *http.Request, resp *http.Response, err error) (*http.Response, error) {
	var te *tether.Error
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.As(err, &te):
		return nil, err
	case err != nil:
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Message: "cannot reach the tether server at " + c.base, Err: err}
	case resp.StatusCode/100 == 2:
		return resp, nil
	}
	defer resp.Body.Close()
	var body tether.MessageBody
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, tether.MaxBodyBytes))
	if isJSON(resp) && json.Unmarshal(raw, &body) == nil && body.Message != "" {
		return nil, tether.Errorf(tether.CodeOfStatus(resp.StatusCode), "%s", body.Message)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout,
		http.StatusUnauthorized, http.StatusForbidden:
		// what a proxy or load balancer in front of a Tether server says
		code := tether.CodeOfStatus(resp.StatusCode)
		if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout {
			code = tether.EUNAVAILABLE
		}
		return nil, tether.Errorf(code, "%s answered %s", c.base, resp.Status)
	}
	return nil, c.notTether(req, resp)
}

func (c *Client) newRequest(ctx context.Context, method, path string, h http.Header, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, tether.Internal("http.Client", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, tether.Internal("http.Client", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if c.job != "" {
		req.Header.Set("X-Tether-Job", c.job)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != nil {
		token, err := c.token()
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}
