package conntype

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/tether-ml/tether"
)

// probeECR tests an ecr connection as docker would use it: it exchanges
// the keys for a registry token (GetAuthorizationToken) and authenticates
// to the registry with it. The registry is the one ECR names for the
// token (its proxyEndpoint, as `docker login` is told to use), else the
// uri's host; the dial goes through env like any other, and the token is
// the one ECR just issued, so no stored secret reaches the registry.
func probeECR(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeECR"
	login, err := ecrAuthorize(ctx, c, env)
	if err != nil {
		return "", err
	}
	host, https := ecrRegistry(c, login)
	var rt http.RoundTripper = &http.Transport{Proxy: nil, DialContext: env.Dial}
	if env.HTTP != nil && env.HTTP.Transport != nil {
		rt = env.HTTP.Transport
	}
	if https {
		rt = httpsOnly{next: rt}
	}
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	auth := &authn.Basic{Username: login.user, Password: login.password}
	if _, err := dockerPing(ctx, op, host, auth, rt); err != nil {
		return "", err
	}
	return "ECR issued a registry token, valid until " + login.expires.UTC().Format("2006-01-02 15:04 MST") +
		", and " + host + " accepted it", nil
}

// ecrRegistry returns the host of the registry login is for, and whether
// it must be reached over HTTPS.
func ecrRegistry(c *tether.Connection, login *ecrLogin) (host string, https bool) {
	if u, err := url.Parse(login.registry); err == nil && u.Host != "" {
		return u.Host, u.Scheme == "https"
	}
	host, _, _ = strings.Cut(c.Spec.URI, "/")
	return host, true
}
