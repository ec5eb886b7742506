package cli

import (
	"context"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

// Where a server started with no flags keeps its data and its bootstrap
// admin token, which the client falls back to when run from the same
// directory (the local quick start).
const (
	DefaultDataDir = "tether-data"
	AdminTokenName = "admin.token"
)

// Defaults of the client configuration.
const (
	envNamespace     = "TETHER_NAMESPACE"
	envJob           = "TETHER_JOB"
	localTokenSource = "./" + DefaultDataDir + "/" + AdminTokenName
)

// client returns an API client configured as the Go client is (see
// client.ConfigFromEnv: TETHER_URL, TETHER_TOKEN, TETHER_TOKEN_PATH, the
// in-pod defaults), overridden by --url, --token, --ca-file and
// --insecure-skip-tls-verify, and acting for --job.
func (a *app) client() (*client.Client, error) {
	cfg := client.ConfigFromEnv(a.env.Getenv)
	if a.url != "" {
		cfg.URL = a.url
	}
	if a.token != "" {
		cfg.Token = a.token
	}
	if a.caFile != "" {
		cfg.CAFile = a.caFile
	}
	cfg.Insecure = a.insecure
	if a.connectTimeout != 0 {
		cfg.ConnectTimeout = a.connectTimeout
	}
	if a.responseTimeout != 0 {
		cfg.ResponseTimeout = a.responseTimeout
	}
	cfg.Fallback = a.fallbackToken
	cl, err := client.NewClientFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return cl.WithJob(firstNonEmpty(a.job, a.env.Getenv(envJob))), nil
}

// fallbackToken is the token when none is configured: the ID token saved
// by "tether login --oidc" (refreshed when it expires), else the admin
// token of a server run from this directory (the local quick start).
func (a *app) fallbackToken() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if t, ok, err := savedToken(ctx, a.env.Getenv); ok || err != nil {
		return t, err
	}
	return a.localToken()
}

// localToken is the admin token of a server run from this directory.
func (a *app) localToken() (string, error) {
	t, err := client.ReadTokenFile(localTokenSource)
	if err != nil {
		return "", tether.Errorf(tether.EUNAUTHORIZED,
			"no token: use --token, TETHER_TOKEN, TETHER_TOKEN_PATH or tether login --oidc (or run next to the server's %s)", localTokenSource)
	}
	return t, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
