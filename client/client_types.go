package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/tether-ml/tether"
)

// Types returns every connection type the server accepts, sorted by name,
// each with the JSON Schema of its spec.
func (c *Client) Types(ctx context.Context) ([]*tether.TypeSchema, error) {
	var out []*tether.TypeSchema
	return out, c.do(ctx, http.MethodGet, tether.PathTypes, nil, nil, &out)
}

// Type returns the named connection type; ENOTFOUND if the server has none.
func (c *Client) Type(ctx context.Context, name string) (*tether.TypeSchema, error) {
	var out tether.TypeSchema
	return &out, c.do(ctx, http.MethodGet, tether.PathTypes+"/"+url.PathEscape(name), nil, nil, &out)
}
