package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
)

// Defaults of the client configuration.
const (
	defaultURL       = "http://127.0.0.1:8080"
	defaultDataDir   = "tether-data"
	adminTokenName   = "admin.token"
	envURL           = "TETHER_URL"
	envToken         = "TETHER_TOKEN"
	envTokenPath     = "TETHER_TOKEN_PATH"
	envDataDir       = "TETHER_DATA_DIR"
	envKeyFile       = "TETHER_KEY_FILE"
	envAdminToken    = "TETHER_ADMIN_TOKEN_FILE"
	envAddr          = "TETHER_ADDR"
	localTokenSource = "./" + defaultDataDir + "/" + adminTokenName
)

// client returns an API client configured from flags and environment:
// --url, TETHER_URL, or the local default; see tokenSource for the token.
func (a *app) client() (*thttp.Client, error) {
	url := firstNonEmpty(a.url, a.env.Getenv(envURL), defaultURL)
	return thttp.NewClient(url, a.tokenSource(), nil)
}

// tokenSource picks the token: --token, TETHER_TOKEN, the file at
// TETHER_TOKEN_PATH, or ./tether-data/admin.token (local quick start).
// Files are re-read on every call, so rotated tokens are picked up.
func (a *app) tokenSource() thttp.TokenSource {
	if t := firstNonEmpty(a.token, a.env.Getenv(envToken)); t != "" {
		return func() (string, error) { return t, nil }
	}
	if p := a.env.Getenv(envTokenPath); p != "" {
		return func() (string, error) {
			t, err := readToken(p)
			if tether.ErrorCode(err) == tether.ENOTFOUND {
				// No credentials: an authentication failure (exit 6), not a
				// missing resource (exit 4).
				return "", tether.Errorf(tether.EUNAUTHORIZED, "%s", tether.ErrorMessage(err))
			}
			return t, err
		}
	}
	return func() (string, error) {
		t, err := readToken(localTokenSource)
		if tether.ErrorCode(err) == tether.ENOTFOUND {
			return "", tether.Errorf(tether.EUNAUTHORIZED,
				"no token: use --token, TETHER_TOKEN or TETHER_TOKEN_PATH (or run next to the server's %s)", localTokenSource)
		}
		return t, err
	}
}

func readToken(path string) (string, error) {
	raw, err := os.ReadFile(filepath.Clean(path))
	if errors.Is(err, fs.ErrNotExist) {
		return "", tether.Errorf(tether.ENOTFOUND, "token file %s does not exist", path)
	}
	if err != nil {
		return "", tether.Errorf(tether.EUNAUTHORIZED, "cannot read token file %s", path)
	}
	t := strings.TrimSpace(string(raw))
	if t == "" {
		return "", tether.Errorf(tether.EUNAUTHORIZED, "token file %s is empty", path)
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
