package conntype

import (
	"path/filepath"
	"strings"

	"github.com/tether-ml/tether"
)

// The helpers the types' renderers share.

// newRendering returns an empty rendering.
func newRendering() *tether.Rendering {
	return &tether.Rendering{Env: map[string]string{}, Files: map[string][]byte{}}
}

// secretBytes returns the bytes of a base64 secret of a valid connection.
func secretBytes(s tether.Secret) []byte {
	b, _ := decoded(s.Reveal())
	return b
}

// paramBytes returns a base64 parameter's bytes, or nil if unset.
func paramBytes(c *tether.Connection, name string) []byte {
	b, _ := decoded(c.Spec.Parameters[name])
	return b
}

// setIf sets env[key] to v when v is not empty.
func setIf(env map[string]string, key, v string) {
	if v != "" {
		env[key] = v
	}
}

// awsRendering renders AWS keys: the standard variables and a shared
// credentials/config file pair under dir/aws, which the AWS SDKs and CLI
// read (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE). extraConfig is
// appended to the config file's [default] profile.
func awsRendering(c *tether.Connection, dir, region, extraConfig string) *tether.Rendering {
	r := newRendering()
	id, secret, session := string(secretBytes(c.Spec.KeyID)), string(secretBytes(c.Spec.KeySecret)), string(paramBytes(c, "sessionToken"))
	r.Env["AWS_ACCESS_KEY_ID"], r.Env["AWS_SECRET_ACCESS_KEY"] = id, secret
	setIf(r.Env, "AWS_SESSION_TOKEN", session)
	setIf(r.Env, "AWS_REGION", region)
	setIf(r.Env, "AWS_DEFAULT_REGION", region)
	creds := "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n"
	if session != "" {
		creds += "aws_session_token = " + session + "\n"
	}
	config := "[default]\n"
	if region != "" {
		config += "region = " + region + "\n"
	}
	r.Files["credentials"] = []byte(creds)
	r.Files["config"] = []byte(config + extraConfig)
	r.Env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(dir, "credentials")
	r.Env["AWS_CONFIG_FILE"] = filepath.Join(dir, "config")
	return r
}

// shellQuote quotes a path for a command line that a shell splits, as git
// does with GIT_SSH_COMMAND.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
