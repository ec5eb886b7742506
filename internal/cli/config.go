package cli

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/privatefile"
)

// The client configuration file, as kubeconfig: named contexts and the
// current one. It is $TETHER_CONFIG, else config.yaml beside the saved
// OIDC login (tether/ under $XDG_CONFIG_HOME or ~/.config on Linux).
const (
	envConfig       = "TETHER_CONFIG"
	envContext      = "TETHER_CONTEXT"
	configName      = "config.yaml"
	loginsSubdir    = "logins"
	configWhat      = "client configuration file"
	maxConfigSize   = 1 << 20
	contextNameHelp = "letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit"
)

// contextName is what a context may be called: it names a file of saved
// logins too, so nothing a file system treats specially.
var contextName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// clientContext is one named way to reach a server. It holds at most one
// credential: a token, a token file, or a saved OIDC login (the file
// "tether login --oidc" keeps it in). Token is a bearer token: it is never
// printed.
type clientContext struct {
	Name      string `yaml:"name"`
	Server    string `yaml:"server,omitempty"`
	CAFile    string `yaml:"ca-file,omitempty"`
	Insecure  bool   `yaml:"insecure-skip-tls-verify,omitempty"`
	Namespace string `yaml:"namespace,omitempty"`
	Token     string `yaml:"token,omitempty"`
	TokenFile string `yaml:"token-file,omitempty"`
	OIDCLogin string `yaml:"oidc-login,omitempty"`
}

// auth names the kind of credential the context holds, never the
// credential itself.
func (c *clientContext) auth() string {
	switch {
	case c.Token != "":
		return "token"
	case c.TokenFile != "":
		return "token-file"
	case c.OIDCLogin != "":
		return "oidc"
	}
	return "none"
}

// setCredential replaces the context's credential with the one given (one
// of the three non-empty).
func (c *clientContext) setCredential(token, tokenFile, oidcLogin string) {
	c.Token, c.TokenFile, c.OIDCLogin = token, tokenFile, oidcLogin
}

// clientConfig is the content of the configuration file.
type clientConfig struct {
	CurrentContext string           `yaml:"current-context,omitempty"`
	Contexts       []*clientContext `yaml:"contexts"`

	path string // where it was read from and is written to
}

// lookup returns the context called name, or nil.
func (c *clientConfig) lookup(name string) *clientContext {
	for _, x := range c.Contexts {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// mustLookup returns the context called name, or ENOTFOUND naming the file.
func (c *clientConfig) mustLookup(name string) (*clientContext, error) {
	if x := c.lookup(name); x != nil {
		return x, nil
	}
	return nil, tether.Errorf(tether.ENOTFOUND, "context %q not found in %s", name, c.path)
}

// upsert returns the context called name, added if there is none.
func (c *clientConfig) upsert(name string) *clientContext {
	if x := c.lookup(name); x != nil {
		return x
	}
	x := &clientContext{Name: name}
	c.Contexts = append(c.Contexts, x)
	return x
}

// remove deletes the context called name; it reports whether there was one.
func (c *clientConfig) remove(name string) bool {
	for i, x := range c.Contexts {
		if x.Name == name {
			c.Contexts = append(c.Contexts[:i], c.Contexts[i+1:]...)
			return true
		}
	}
	return false
}

// configPath is the configuration file: $TETHER_CONFIG, else config.yaml
// in the directory of the saved OIDC login.
func configPath(getenv func(string) string) (string, error) {
	if p := getenv(envConfig); p != "" {
		return p, nil
	}
	dir, err := userConfigDir(getenv)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "no configuration directory for the client configuration (set %s): %v", envConfig, err)
	}
	return filepath.Join(dir, configSubdir, configName), nil
}

// loadConfig reads the configuration file; a missing file is an empty
// configuration. The file may hold tokens: like a private key, it must be
// readable by its owner only.
func loadConfig(getenv func(string) string) (*clientConfig, error) {
	path, err := configPath(getenv)
	if err != nil {
		return nil, err
	}
	cfg := &clientConfig{path: path}
	raw, err := privatefile.Read("cli.loadConfig", configWhat, path, maxConfigSize)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return nil, tether.Errorf(tether.EINVALID, "%s %s: %s", configWhat, path, yamlProblem(err))
	}
	return cfg, cfg.check()
}

// yamlQuoted is a value quoted in a YAML error; it may be a token put in
// the wrong place, so it is never repeated.
var yamlQuoted = regexp.MustCompile("`[^`]*`")

// yamlProblem rewrites a yaml.v3 error for people: its lines ("line 3:
// ..."), no Go type names, no quoted values.
func yamlProblem(err error) string {
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	r := strings.NewReplacer(" in type cli.clientContext", " in a context",
		" in type cli.clientConfig", " at the top level", "cli.clientContext", "a context", "cli.clientConfig", "the configuration")
	for i, m := range msgs {
		msgs[i] = yamlQuoted.ReplaceAllString(r.Replace(m), "a value")
	}
	return strings.Join(msgs, "; ")
}

// check refuses what the parser accepts but a context cannot be: each
// message names the file and the context.
func (c *clientConfig) check() error {
	seen := map[string]bool{}
	for i, x := range c.Contexts {
		if x == nil || x.Name == "" {
			return tether.Errorf(tether.EINVALID, "%s %s: context %d has no name", configWhat, c.path, i+1)
		}
		if err := c.checkContext(x); err != nil {
			return err
		}
		if seen[x.Name] {
			return tether.Errorf(tether.EINVALID, "%s %s: context %q is defined twice", configWhat, c.path, x.Name)
		}
		seen[x.Name] = true
	}
	return nil
}

// checkContext checks one context's name, server and credential.
func (c *clientConfig) checkContext(x *clientContext) error {
	problem := ""
	switch n := credentialCount(x); {
	case !contextName.MatchString(x.Name):
		problem = "the name must be " + contextNameHelp
	case x.Server != "" && checkServerURL(x.Server) != nil:
		problem = "server must be an http or https URL with a host and no user or password"
	case x.Namespace != "" && !tether.NamespacePattern.MatchString(x.Namespace):
		problem = "namespace must be lowercase letters, digits and '-'"
	case n > 1:
		problem = "it holds more than one of token, token-file and oidc-login"
	}
	if problem == "" {
		return nil
	}
	return tether.Errorf(tether.EINVALID, "%s %s: context %q: %s", configWhat, c.path, x.Name, problem)
}

func credentialCount(x *clientContext) int {
	n := 0
	for _, v := range []string{x.Token, x.TokenFile, x.OIDCLogin} {
		if v != "" {
			n++
		}
	}
	return n
}

// checkServerURL accepts an absolute http or https URL with a host and
// no user information: credentials belong in the context's token, not in
// a URL that "config get-contexts" prints. Its message does not quote the
// URL, which may hold a password.
func checkServerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return tether.Errorf(tether.EINVALID, "the server URL must be http:// or https:// followed by a host, with no user or password")
	}
	return nil
}

// save writes the configuration back, atomically and readable by its
// owner only.
func (c *clientConfig) save() error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return tether.Internal("cli.saveConfig", err)
	}
	if err := enc.Close(); err != nil {
		return tether.Internal("cli.saveConfig", err)
	}
	return writePrivateFile(c.path, buf.Bytes(), "the client configuration")
}

// writePrivateFile replaces the file at path atomically (a reader sees the
// old file or the new one), as a file of mode 0600 in a directory of mode
// 0700. Errors name what is written and where, never the content.
func writePrivateFile(path string, data []byte, what string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tether.Errorf(tether.EINVALID, "cannot create %s to keep %s in: %v", dir, what, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return tether.Errorf(tether.EINVALID, "cannot write %s to %s: %v", what, dir, err)
	}
	defer os.Remove(f.Name()) // once renamed, removes nothing
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return tether.Errorf(tether.EINVALID, "cannot write %s to %s: %v", what, path, err)
	}
	return nil
}
