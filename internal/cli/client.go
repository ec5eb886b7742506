package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

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

// envKubernetesHost is set in every Kubernetes pod; the Go client then
// defaults to the in-cluster server and token (client.ConfigFromEnv).
const envKubernetesHost = "KUBERNETES_SERVICE_HOST"

// client returns an API client for this call, acting for --job. Each
// setting comes from the first of: its flag, its environment variable
// (client.ConfigFromEnv), the selected context, the in-pod default, and
// for the token the saved OIDC login, then the local quick start.
func (a *app) client() (*client.Client, error) {
	cfg, err := a.clientConfig()
	if err != nil {
		return nil, err
	}
	cl, err := client.NewClientFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return cl.WithJob(firstNonEmpty(a.job, a.env.Getenv(envJob))), nil
}

// clientConfig resolves the configuration of this call's client.
func (a *app) clientConfig() (client.ClientConfig, error) {
	x, err := a.selectContext()
	if err != nil {
		return client.ClientConfig{}, err
	}
	if x == nil {
		x = &clientContext{}
	}
	getenv := a.env.Getenv
	cfg := client.ConfigFromEnv(func(k string) string { // the variables alone
		if k == envKubernetesHost {
			return ""
		}
		return getenv(k)
	})
	pod := client.ConfigFromEnv(func(k string) string { // the in-pod defaults alone
		if k == envKubernetesHost {
			return getenv(k)
		}
		return ""
	})
	cfg.URL = firstNonEmpty(a.url, cfg.URL, x.Server, pod.URL)
	cfg.CAFile = firstNonEmpty(a.caFile, cfg.CAFile, x.CAFile)
	cfg.Insecure = a.insecure
	if !a.flagChanged("insecure-skip-tls-verify") {
		cfg.Insecure = x.Insecure
	}
	if a.connectTimeout != 0 {
		cfg.ConnectTimeout = a.connectTimeout
	}
	if a.responseTimeout != 0 {
		cfg.ResponseTimeout = a.responseTimeout
	}
	if x.Server != "" && cfg.URL != x.Server {
		// A context's credential is for its own server only: a URL from a
		// flag or a variable does not take the context's token along.
		x = &clientContext{}
	}
	a.setCredential(&cfg, x, pod.TokenPath)
	return cfg, nil
}

// setCredential picks the token of cfg: --token, TETHER_TOKEN or
// TETHER_TOKEN_PATH (already in cfg), else the context's credential, else
// the in-pod token file, else the fallback (saved login, quick start).
func (a *app) setCredential(cfg *client.ClientConfig, x *clientContext, podTokenPath string) {
	cfg.Token = firstNonEmpty(a.token, cfg.Token)
	cfg.Fallback = a.fallbackToken
	if cfg.Token != "" || cfg.TokenPath != "" {
		return
	}
	switch {
	case x.Token != "":
		cfg.Token = x.Token
	case x.TokenFile != "":
		cfg.TokenPath = x.TokenFile
	case x.OIDCLogin != "":
		cfg.Fallback = contextLogin(x)
	default:
		cfg.TokenPath = podTokenPath
	}
}

// contextLogin is the token of the OIDC login a context names, renewed
// when it expires.
func contextLogin(x *clientContext) client.TokenSource {
	name, path := x.Name, x.OIDCLogin
	return func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		relogin := "tether login --oidc --context " + name
		t, ok, err := savedTokenAt(ctx, path, relogin)
		if !ok && err == nil {
			err = tether.Errorf(tether.EUNAUTHORIZED, "the OIDC login of context %q (%s) is missing; run %s", name, path, relogin)
		}
		return t, err
	}
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
			"no token: use --token, TETHER_TOKEN, TETHER_TOKEN_PATH or tether login --oidc (or run next to the server's %s; or a context: tether login --token-stdin)", localTokenSource)
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

// selectContext reads the configuration file once and returns the context
// of this call: --context, else TETHER_CONTEXT, else the current context;
// nil when none is named.
func (a *app) selectContext() (*clientContext, error) {
	if a.contextDone {
		return a.selected, nil
	}
	name := firstNonEmpty(a.contextFlag, a.env.Getenv(envContext))
	if _, err := configPath(a.env.Getenv); err != nil && name == "" {
		a.contextDone = true // nowhere to keep a configuration: there is none
		return nil, nil
	}
	cfg, err := loadConfig(a.env.Getenv)
	if err != nil {
		return nil, err
	}
	if name == "" && cfg.CurrentContext != "" {
		if cfg.lookup(cfg.CurrentContext) == nil {
			return nil, tether.Errorf(tether.ENOTFOUND, "the current context %q is not defined in %s; run tether config use-context", cfg.CurrentContext, cfg.path)
		}
		name = cfg.CurrentContext
	}
	if name != "" {
		if a.selected, err = cfg.mustLookup(name); err != nil {
			return nil, err
		}
	}
	a.contextDone = true
	return a.selected, nil
}

// flagChanged reports whether the global flag name was given.
func (a *app) flagChanged(name string) bool {
	f := a.root.PersistentFlags().Lookup(name)
	return f != nil && f.Changed
}

// selectContextFor makes each client command select its context before it
// runs, so that a context's namespace is there for the command and a bad
// configuration file fails it at once. "tether login" reads the file
// itself; the commands that run a server never read it.
func (a *app) selectContextFor(cmds []*cobra.Command) {
	for _, c := range cmds {
		if c.Name() == "login" {
			continue
		}
		c.PersistentPreRunE = func(*cobra.Command, []string) error {
			_, err := a.selectContext()
			return err
		}
	}
}

// contextNamespace is the namespace of the selected context, if any.
func (a *app) contextNamespace() string {
	if a.selected == nil {
		return ""
	}
	return a.selected.Namespace
}
