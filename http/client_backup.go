package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
)

// Backup writes a backup of the server's whole store to w, calling progress
// as records arrive, and returns how many it holds. The copy is checked as
// it streams (record lines, count, checksum): an error means w did not get
// a complete backup.
func (c *Client) Backup(ctx context.Context, w io.Writer, progress func(done, total int)) (int, error) {
	resp, err := c.send(ctx, http.MethodGet, routeBackup, nil, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	d, err := backup.Read(io.TeeReader(resp.Body, w))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, err := range d.Records {
		if err != nil {
			return n, err
		}
		if n++; progress != nil {
			progress(n, d.RecordCount)
		}
	}
	return n, nil
}

// Restore sends the backup read from r to the server, which writes it all
// or nothing into its store (which must hold no connection), and returns
// how many connections it restored.
func (c *Client) Restore(ctx context.Context, r io.Reader) (int, error) {
	req, err := c.newRequest(ctx, http.MethodPost, routeRestore, http.Header{"Content-Type": {"application/x-ndjson"}}, nil)
	if err != nil {
		return 0, err
	}
	req.Body = io.NopCloser(r)
	resp, err := c.roundTrip(ctx, req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out restoreResult
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, tether.Errorf(tether.EINTERNAL, "malformed answer from server (restore)")
	}
	return out.Records, nil
}
