package client

import (
	"context"
	"net/http"

	"github.com/tether-ml/tether"
)

// Version returns the build of the server (GET /version). The route needs
// no credentials, so none are sent: it works before any token is set up,
// and a token is not handed to a server only asked for its version.
func (c *Client) Version(ctx context.Context) (*tether.BuildInfo, error) {
	anonymous := *c
	anonymous.token = nil
	var out tether.BuildInfo
	if err := anonymous.do(ctx, http.MethodGet, tether.PathVersion, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
