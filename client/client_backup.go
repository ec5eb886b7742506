package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
)

// Backup writes a backup of the server's whole store to w (with its audit
// log if audit), calling progress as records arrive, and returns how many
// it holds. The copy is checked as it streams (every line, counts,
// checksum): an error means w did not get a complete backup.
func (c *Client) Backup(ctx context.Context, w io.Writer, audit bool, progress func(done, total int)) (int, error) {
	path := tether.PathBackup
	if audit {
		path += "?audit=true"
	}
	resp, err := c.send(ctx, http.MethodGet, path, nil, nil)
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
	if d.Versions != nil {
		for _, err := range d.Versions {
			if err != nil {
				return n, err
			}
		}
	}
	if d.Audit != nil {
		for _, err := range d.Audit {
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Restore sends the backup read from r to the server, which writes it all
// or nothing into its store (which must hold no connection), and returns
// what it restored.
func (c *Client) Restore(ctx context.Context, r io.Reader) (*tether.RestoreResult, error) {
	req, err := c.newRequest(ctx, http.MethodPost, tether.PathRestore, http.Header{"Content-Type": {"application/x-ndjson"}}, nil)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(r)
	resp, err := c.roundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out tether.RestoreResult
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, tether.Errorf(tether.EINTERNAL, "malformed answer from server (restore)")
	}
	return &out, nil
}
