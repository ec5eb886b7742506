package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

// maxStdinToken bounds the token read by "tether login --token-stdin".
const maxStdinToken = 64 << 10

// notInContextName is what a host name may hold that a context name may not.
var notInContextName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// runTokenLogin reads a token from standard input, checks it with the
// server, and saves it in the login's context, made current. A token the
// server refuses is not saved.
func (a *app) runTokenLogin(ctx context.Context) error {
	cfg, err := loadConfig(a.env.Getenv)
	if err != nil {
		return err
	}
	name, next, err := a.loginContext(cfg)
	if err != nil {
		return err
	}
	token, err := readStdinToken(a.env.Stdin)
	if err != nil {
		return err
	}
	next.setCredential(token, "", "")
	if err := a.checkToken(ctx, next); err != nil {
		return err
	}
	*cfg.upsert(name) = *next
	cfg.CurrentContext = name
	if err := cfg.save(); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "Logged in to %s; context %q saved in %s and made current\n", next.Server, name, cfg.path)
	return nil
}

// runContextOIDCLogin logs in through the issuer, saves the login for the
// context and makes it current.
func (a *app) runContextOIDCLogin(ctx context.Context, o *loginOptions) error {
	cfg, err := loadConfig(a.env.Getenv)
	if err != nil {
		return err
	}
	name, next, err := a.loginContext(cfg)
	if err != nil {
		return err
	}
	path := next.OIDCLogin
	if path == "" {
		path = contextLoginPath(cfg, name)
	}
	var defaults []string
	if legacy, err := credentialsPath(a.env.Getenv); err == nil {
		defaults = append(defaults, legacy)
	}
	if err := a.oidcLogin(ctx, o, path, defaults...); err != nil {
		return err
	}
	next.setCredential("", "", path)
	*cfg.upsert(name) = *next
	cfg.CurrentContext = name
	if err := cfg.save(); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "Context %q saved in %s and made current\n", name, cfg.path)
	return nil
}

// loginContext returns the name of the context a login saves (--context,
// else named after the server's host) and a copy of it as the login will
// leave it: the server is --url, else TETHER_URL, else the context's own;
// the other global flags given change it as in "tether config set-context".
func (a *app) loginContext(cfg *clientConfig) (string, *clientContext, error) {
	server := firstNonEmpty(a.url, a.env.Getenv(client.EnvURL))
	name := a.contextFlag
	if name == "" && server == "" {
		return "", nil, usagef("tether login needs --url (or TETHER_URL, or --context naming a context with a server)")
	}
	if name == "" {
		name = contextNameOf(server)
	}
	if !contextName.MatchString(name) {
		return "", nil, usagef("context name %q: must be %s (choose one with --context)", name, contextNameHelp)
	}
	next := clientContext{Name: name}
	if x := cfg.lookup(name); x != nil {
		next = *x
	}
	next.Server = firstNonEmpty(server, next.Server)
	if next.Server == "" {
		return "", nil, usagef("context %q has no server: give --url", name)
	}
	if err := checkServerURL(next.Server); err != nil {
		return "", nil, err
	}
	if err := a.applyContextFlags(&next); err != nil {
		return "", nil, err
	}
	return name, &next, nil
}

// contextNameOf is the default context name of a server: its host, and its
// port when it has one ("127.0.0.1-8080").
func contextNameOf(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return ""
	}
	name := u.Hostname()
	if p := u.Port(); p != "" {
		name += "-" + p
	}
	name = strings.Trim(notInContextName.ReplaceAllString(name, "-"), "-._")
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// readStdinToken reads one token from standard input: surrounding white
// space (a final newline) is trimmed; nothing else may be there. Errors
// never quote what was read.
func readStdinToken(r io.Reader) (string, error) {
	if r == nil {
		return "", tether.Errorf(tether.EINVALID, "no token on standard input")
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxStdinToken+1))
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "cannot read the token from standard input: %v", err)
	}
	if len(raw) > maxStdinToken {
		return "", tether.Errorf(tether.EINVALID, "the token on standard input is larger than %d bytes", maxStdinToken)
	}
	token := strings.TrimSpace(string(raw))
	switch {
	case token == "":
		return "", tether.Errorf(tether.EINVALID, "no token on standard input (pipe it in: tether login --token-stdin < FILE)")
	case strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "", tether.Errorf(tether.EINVALID, "the token on standard input must be one word on one line")
	}
	return token, nil
}

// checkToken makes an authenticated call to the context's server with its
// token: a token the server refuses, or a server that cannot be reached,
// fails the login, which then saves nothing.
func (a *app) checkToken(ctx context.Context, x *clientContext) error {
	env := client.ConfigFromEnv(a.env.Getenv)
	ca := firstNonEmpty(env.CAFile, x.CAFile)
	if a.flagChanged("ca-file") {
		ca = x.CAFile
	}
	cfg := client.ClientConfig{URL: x.Server, Token: x.Token, CAFile: ca, Insecure: x.Insecure,
		ConnectTimeout: a.connectTimeout, ResponseTimeout: a.responseTimeout}
	cl, err := client.NewClientFromConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := cl.Namespaces(ctx); err != nil {
		return &tether.Error{Code: tether.ErrorCode(err), Op: "cli.checkToken",
			Message: fmt.Sprintf("%s did not accept the token, which was not saved: %s", x.Server, tether.ErrorMessage(err)), Err: err}
	}
	return nil
}
