package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/oidc"
)

// Where "tether login" keeps the login, under the user's configuration
// directory (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config on Linux).
const (
	configSubdir    = "tether"
	credentialsName = "credentials.json"
)

// expirySkew is how long before its expiry a saved ID token is renewed:
// it must still be valid when the server checks it, a moment later.
const expirySkew = time.Minute

// credentials is the saved OIDC login. The file holds bearer tokens: it is
// readable by its owner only, and its directory too.
type credentials struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecretFile is where the client's secret is, for a confidential
	// client: the secret itself is never copied here.
	ClientSecretFile string    `json:"client_secret_file,omitempty"`
	IDToken          string    `json:"id_token"`
	RefreshToken     string    `json:"refresh_token,omitempty"`
	Expiry           time.Time `json:"expiry"`
}

// credentialsPath is the file of the saved login. It reads the
// environment through getenv, as os.UserConfigDir reads the process's.
func credentialsPath(getenv func(string) string) (string, error) {
	dir, err := userConfigDir(getenv)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "no configuration directory to keep the login in: %v", err)
	}
	return filepath.Join(dir, configSubdir, credentialsName), nil
}

// userConfigDir is os.UserConfigDir with the environment passed in.
func userConfigDir(getenv func(string) string) (string, error) {
	var dir, name string
	switch runtime.GOOS {
	case "windows":
		dir, name = getenv("AppData"), "%AppData%"
	case "darwin", "ios":
		dir, name = getenv("HOME"), "$HOME"
		if dir != "" {
			dir = filepath.Join(dir, "Library", "Application Support")
		}
	case "plan9":
		dir, name = getenv("home"), "$home"
		if dir != "" {
			dir = filepath.Join(dir, "lib")
		}
	default:
		dir, name = getenv("XDG_CONFIG_HOME"), "$XDG_CONFIG_HOME"
		if dir == "" {
			dir, name = getenv("HOME"), "$HOME"
			if dir != "" {
				dir = filepath.Join(dir, ".config")
			}
		}
	}
	if dir == "" || !filepath.IsAbs(dir) {
		return "", errors.New(name + " is not set to an absolute path")
	}
	return dir, nil
}

// loadCredentials reads the saved login; an error wrapping fs.ErrNotExist
// means there is none.
func loadCredentials(path string) (*credentials, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, &tether.Error{Code: tether.EUNAUTHORIZED, Op: "cli.loadCredentials",
			Message: "cannot read the saved login in " + path, Err: err}
	}
	var c credentials
	if err := json.Unmarshal(raw, &c); err != nil || c.Issuer == "" || c.ClientID == "" || c.IDToken == "" {
		return nil, tether.Errorf(tether.EUNAUTHORIZED, "the saved login in %s is unreadable; run tether login --oidc again", path)
	}
	return &c, nil
}

// saveCredentials replaces the saved login atomically (a reader sees the
// old file or the new one), as a file of mode 0600 in a directory of mode
// 0700.
func saveCredentials(path string, c *credentials) error {
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return tether.Internal("cli.saveCredentials", err)
	}
	return writePrivateFile(path, append(raw, '\n'), "the login")
}

// savedToken returns the ID token of the login saved by "tether login
// --oidc", renewed with the saved refresh token (and saved again) when it
// has expired or is about to. ok is false when there is no saved login.
// A login that cannot be renewed is EUNAUTHORIZED, asking to log in again;
// an issuer that cannot be reached is EUNAVAILABLE.
func savedToken(ctx context.Context, getenv func(string) string) (token string, ok bool, err error) {
	path, err := credentialsPath(getenv)
	if err != nil {
		return "", false, nil // nowhere to have saved one
	}
	return savedTokenAt(ctx, path, "tether login --oidc")
}

// savedTokenAt is savedToken for the login saved in the file at path;
// relogin is the command that logs in again, for the messages.
func savedTokenAt(ctx context.Context, path, relogin string) (token string, ok bool, err error) {
	c, err := loadCredentials(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", true, err
	}
	if time.Until(c.Expiry) > expirySkew {
		return c.IDToken, true, nil
	}
	if c.RefreshToken == "" {
		return "", true, tether.Errorf(tether.EUNAUTHORIZED,
			"the OIDC login expired at %s and cannot be renewed; run %s again", c.Expiry.Format(time.RFC3339), relogin)
	}
	if err := refreshCredentials(ctx, c, relogin); err != nil {
		return "", true, err
	}
	if err := saveCredentials(path, c); err != nil {
		return "", true, err
	}
	return c.IDToken, true, nil
}

// refreshCredentials renews c's ID token with its refresh token.
func refreshCredentials(ctx context.Context, c *credentials, relogin string) error {
	secret, err := readClientSecret(c.ClientSecretFile)
	if err != nil {
		return err
	}
	client, err := oidc.NewClient(ctx, oidc.ClientConfig{IssuerURL: c.Issuer, ClientID: c.ClientID, ClientSecret: secret})
	if err != nil {
		return err
	}
	tok, err := client.Refresh(ctx, c.RefreshToken)
	if tether.ErrorCode(err) == tether.EUNAUTHORIZED {
		return tether.Errorf(tether.EUNAUTHORIZED, "the OIDC login expired and the issuer refused to renew it; run %s again", relogin)
	}
	if err != nil {
		return err
	}
	c.IDToken, c.RefreshToken, c.Expiry = tok.IDToken, tok.RefreshToken, tok.Expiry
	return nil
}

// readClientSecret reads a client secret file ("" reads nothing).
func readClientSecret(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "cannot read the client secret file %s", path)
	}
	secret := strings.TrimSpace(string(raw))
	if secret == "" {
		return "", tether.Errorf(tether.EINVALID, "the client secret file %s is empty", path)
	}
	return secret, nil
}
