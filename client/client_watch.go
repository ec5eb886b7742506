package client

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tether-ml/tether"
)

var _ tether.WatchService = (*Client)(nil)

// maxWatchLine is the longest line of a watch stream the client reads: a
// connection is at most a request body.
const maxWatchLine = 2 * tether.MaxBodyBytes

// Watch streams the changes of the connections of ns, or of every
// namespace the caller may read for ns "", calling fn with each event; see
// tether.WatchService. It returns nil when ctx is done, fn's error, the
// error of an ERROR event (EFORBIDDEN when the caller lost read access),
// EGONE (410) for a resource version the server no longer keeps, and
// EUNAVAILABLE when the stream ends otherwise (the server shut down):
// watch again with Resume from the last event's version to lose nothing.
// opts.Bookmark is the server's to choose, and ignored.
func (c *Client) Watch(ctx context.Context, ns string, opts tether.WatchOptions, fn func(tether.WatchEvent) error) error {
	path := tether.PathAllConnections
	if ns != "" {
		p, err := connPath(ns)
		if err != nil {
			return err
		}
		path = p
	}
	q := url.Values{"watch": {"true"}}
	if opts.Resume {
		q.Set("resourceVersion", strconv.FormatInt(opts.ResourceVersion, 10))
	}
	resp, err := c.send(ctx, http.MethodGet, path+"?"+q.Encode(), nil, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxWatchLine)
	for sc.Scan() {
		e, err := decodeWatchLine(sc.Bytes())
		if err != nil {
			return err
		}
		if e.Type == tether.EventError {
			return e.Err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return tether.Errorf(tether.EUNAVAILABLE, "the watch stream from %s ended; watch again from the last resource version", c.base)
}

// decodeWatchLine reads one line of a watch stream.
func decodeWatchLine(raw []byte) (tether.WatchEvent, error) {
	malformed := tether.Errorf(tether.EINTERNAL, "malformed watch event from server")
	var line tether.WatchLine
	if err := json.Unmarshal(raw, &line); err != nil {
		return tether.WatchEvent{}, malformed
	}
	e := tether.WatchEvent{Type: line.Type}
	if line.ResourceVersion != "" {
		rv, err := strconv.ParseInt(line.ResourceVersion, 10, 64)
		if err != nil {
			return e, malformed
		}
		e.ResourceVersion = rv
	}
	switch line.Type {
	case tether.EventBookmark:
	case tether.EventError:
		var we tether.WatchError
		if err := json.Unmarshal(line.Object, &we); err != nil {
			return e, malformed
		}
		e.Err = tether.Errorf(tether.CodeOfStatus(we.Code), "%s", we.Message)
	default:
		e.Connection = &tether.Connection{}
		if err := json.Unmarshal(line.Object, e.Connection); err != nil {
			return e, malformed
		}
	}
	return e, nil
}
