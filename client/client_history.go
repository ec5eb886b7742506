package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tether-ml/tether"
)

var _ tether.HistoryService = (*Client)(nil)

// historyPath is the path of a connection's history, or of what follows
// it (rest, already escaped).
func historyPath(ns, id, rest string) (string, error) {
	p, err := connPath(ns)
	if err != nil {
		return "", err
	}
	return p + "/" + url.PathEscape(id) + "/history" + rest, nil
}

// History returns one page of a connection's versions, newest first,
// masked; pass the last version of a page as opts.Before for the next.
func (c *Client) History(ctx context.Context, ns, id string, opts tether.HistoryOptions) ([]*tether.ConnectionVersion, error) {
	p, err := historyPath(ns, id, "")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Limit != 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Before != 0 {
		q.Set("before", strconv.FormatInt(opts.Before, 10))
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	var out []*tether.ConnectionVersion
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

// GetVersion returns one version of a connection, masked unless reveal
// (which needs the reveal permission and is audited).
func (c *Client) GetVersion(ctx context.Context, ns, id string, version int64, reveal bool) (*tether.Connection, error) {
	p, err := historyPath(ns, id, "/"+strconv.FormatInt(version, 10))
	if err != nil {
		return nil, err
	}
	if reveal {
		p += "?decrypted=true"
	}
	var out tether.Connection
	return &out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

// Rollback stores a new version of a connection with the spec and
// secrets of version; opts.Version, if set, is the version it must replace.
func (c *Client) Rollback(ctx context.Context, ns, id string, version int64, opts tether.UpdateOptions) (*tether.Connection, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	if opts.Version != 0 {
		h.Set("If-Match", strconv.Quote(strconv.FormatInt(opts.Version, 10)))
	}
	path := p + "/" + url.PathEscape(id) + "/rollback"
	if opts.Force {
		path += "?force=true"
	}
	var out tether.Connection
	return &out, c.do(ctx, http.MethodPost, path, h, tether.RollbackRequest{Version: version}, &out)
}

// Diff names the fields that differ from version a to version b.
func (c *Client) Diff(ctx context.Context, ns, id string, a, b int64) (*tether.VersionDiff, error) {
	p, err := historyPath(ns, id, "/"+strconv.FormatInt(a, 10)+"/diff/"+strconv.FormatInt(b, 10))
	if err != nil {
		return nil, err
	}
	var out tether.VersionDiff
	return &out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}
