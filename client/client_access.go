package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tether-ml/tether"
)

// Namespaces returns the namespaces the caller holds a role in.
func (c *Client) Namespaces(ctx context.Context) ([]*tether.Namespace, error) {
	var out []*tether.Namespace
	return out, c.do(ctx, http.MethodGet, tether.PathNamespaces, nil, nil, &out)
}

// Namespace returns the namespace name.
func (c *Client) Namespace(ctx context.Context, name string) (*tether.Namespace, error) {
	var out tether.Namespace
	return &out, c.do(ctx, http.MethodGet, tether.PathNamespaces+"/"+url.PathEscape(name), nil, nil, &out)
}

// CreateNamespace creates a namespace.
func (c *Client) CreateNamespace(ctx context.Context, name string) (*tether.Namespace, error) {
	var out tether.Namespace
	return &out, c.do(ctx, http.MethodPost, tether.PathNamespaces, nil, map[string]string{"name": name}, &out)
}

// DeleteNamespace deletes a namespace; force also deletes its connections.
func (c *Client) DeleteNamespace(ctx context.Context, name string, force bool) error {
	path := tether.PathNamespaces + "/" + url.PathEscape(name)
	if force {
		path += "?force=true"
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil, nil)
}

// RoleBindings returns the role bindings of ns, or of every namespace for "".
func (c *Client) RoleBindings(ctx context.Context, ns string) ([]*tether.RoleBinding, error) {
	path := tether.PathRoleBindings
	if ns != "" {
		path += "?namespace=" + url.QueryEscape(ns)
	}
	var out []*tether.RoleBinding
	return out, c.do(ctx, http.MethodGet, path, nil, nil, &out)
}

// CreateRoleBinding binds a role to a subject in a namespace ("*": all).
func (c *Client) CreateRoleBinding(ctx context.Context, b tether.RoleBinding) (*tether.RoleBinding, error) {
	in := map[string]string{"subject": b.Subject, "role": string(b.Role), "namespace": b.Namespace}
	var out tether.RoleBinding
	return &out, c.do(ctx, http.MethodPost, tether.PathRoleBindings, nil, in, &out)
}

// DeleteRoleBinding deletes a role binding.
func (c *Client) DeleteRoleBinding(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, tether.PathRoleBindings+"/"+url.PathEscape(id), nil, nil, nil)
}

// Tokens lists the API tokens (never the tokens themselves).
func (c *Client) Tokens(ctx context.Context) ([]tether.TokenInfo, error) {
	var out []tether.TokenInfo
	return out, c.do(ctx, http.MethodGet, tether.PathTokens, nil, nil, &out)
}

// CreateToken issues a token for subject, valid for ttl (0: no expiry).
// The answer's Token field is the token, shown this once.
func (c *Client) CreateToken(ctx context.Context, subject string, ttl time.Duration) (*tether.TokenInfo, error) {
	in := map[string]string{"subject": subject}
	if ttl > 0 {
		in["ttl"] = ttl.String()
	}
	var out tether.TokenInfo
	return &out, c.do(ctx, http.MethodPost, tether.PathTokens, nil, in, &out)
}

// RevokeToken revokes a token.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, tether.PathTokens+"/"+url.PathEscape(id), nil, nil, nil)
}

// Audit returns the audit events matching f (Since: RFC 3339).
func (c *Client) Audit(ctx context.Context, f tether.AuditFilter) ([]*tether.AuditEvent, error) {
	q := url.Values{"action": f.Actions}
	for k, v := range map[string]string{"namespace": f.Namespace, "connection": f.Connection} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339))
	}
	var out []*tether.AuditEvent
	return out, c.do(ctx, http.MethodGet, tether.PathAudit+"?"+q.Encode(), nil, nil, &out)
}

// Usage tells how often a connection was revealed since a time (zero: the
// server's default window).
func (c *Client) Usage(ctx context.Context, ns, id string, since time.Time) (*tether.Usage, error) {
	p, err := connPath(ns)
	if err != nil {
		return nil, err
	}
	path := p + "/" + url.PathEscape(id) + "/usage"
	if !since.IsZero() {
		path += "?since=" + url.QueryEscape(since.UTC().Format(time.RFC3339))
	}
	var out tether.Usage
	return &out, c.do(ctx, http.MethodGet, path, nil, nil, &out)
}
