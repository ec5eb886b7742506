package cli

import (
	thttp "github.com/tether-ml/tether/http"

	"github.com/tether-ml/tether"
)

// Defaults of the client configuration.
const (
	defaultDataDir   = "tether-data"
	adminTokenName   = "admin.token"
	envDataDir       = "TETHER_DATA_DIR"
	envKeyFile       = "TETHER_KEY_FILE"
	envAdminToken    = "TETHER_ADMIN_TOKEN_FILE"
	envAddr          = "TETHER_ADDR"
	envNamespace     = "TETHER_NAMESPACE"
	envJob           = "TETHER_JOB"
	localTokenSource = "./" + defaultDataDir + "/" + adminTokenName
)

// client returns an API client configured as the Go client is (see
// thttp.ConfigFromEnv: TETHER_URL, TETHER_TOKEN, TETHER_TOKEN_PATH, the
// in-pod defaults), overridden by --url, --token, --ca-file and
// --insecure-skip-tls-verify, and acting for --job.
func (a *app) client() (*thttp.Client, error) {
	cfg := thttp.ConfigFromEnv(a.env.Getenv)
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
	cfg.Fallback = a.localToken
	cl, err := thttp.NewClientFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return cl.WithJob(firstNonEmpty(a.job, a.env.Getenv(envJob))), nil
}

// localToken is the token of the last resort: the admin token of a server
// run from this directory (the local quick start).
func (a *app) localToken() (string, error) {
	t, err := thttp.ReadTokenFile(localTokenSource)
	if err != nil {
		return "", tether.Errorf(tether.EUNAUTHORIZED,
			"no token: use --token, TETHER_TOKEN or TETHER_TOKEN_PATH (or run next to the server's %s)", localTokenSource)
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
