package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

const configLong = `Manage the client configuration file: named contexts, each a server URL, a CA
file, a namespace and one credential (a token, a token file or a saved OIDC
login), and the current context, as kubectl config does.

The file is $TETHER_CONFIG, else tether/config.yaml under $XDG_CONFIG_HOME
(~/.config on Linux). It may hold tokens, so it is written with mode 0600 and
refused when other users may read it. "tether login" creates contexts with a
credential; tokens are never printed and never taken from the command line.`

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Manage client contexts (server, namespace, credential)", Long: configLong}
	cmd.AddCommand(a.getContextsCommand(), a.useContextCommand(), a.currentContextCommand(),
		a.setContextCommand(), a.deleteContextCommand())
	return RequireSubcommand(cmd)
}

func (a *app) getContextsCommand() *cobra.Command {
	return &cobra.Command{
		Use: "get-contexts", Short: "List the contexts (the current one marked *)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := loadConfig(a.env.Getenv)
			if err != nil {
				return err
			}
			t := newTable(a.env.Stdout, "CURRENT", "NAME", "SERVER", "NAMESPACE", "AUTH")
			for _, x := range cfg.Contexts {
				mark := ""
				if x.Name == cfg.CurrentContext {
					mark = "*"
				}
				t.row(mark, x.Name, x.Server, x.Namespace, x.auth())
			}
			return t.flush()
		},
	}
}

func (a *app) useContextCommand() *cobra.Command {
	return &cobra.Command{
		Use: "use-context NAME", Short: "Make a context the current one", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := loadConfig(a.env.Getenv)
			if err != nil {
				return err
			}
			if _, err := cfg.mustLookup(args[0]); err != nil {
				return err
			}
			cfg.CurrentContext = args[0]
			if err := cfg.save(); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stderr, "Switched to context %q.\n", args[0])
			return nil
		},
	}
}

func (a *app) currentContextCommand() *cobra.Command {
	return &cobra.Command{
		Use: "current-context", Short: "Print the name of the current context", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := loadConfig(a.env.Getenv)
			if err != nil {
				return err
			}
			if cfg.CurrentContext == "" {
				return tether.Errorf(tether.ENOTFOUND, "no current context in %s", cfg.path)
			}
			fmt.Fprintln(a.env.Stdout, cfg.CurrentContext)
			return nil
		},
	}
}

const setContextLong = `Create the context NAME or change it: only the settings given change.
--url, --ca-file, --namespace and --insecure-skip-tls-verify are the global
flags of the same names. --token-file replaces the context's credential with a
file holding the token, re-read on every call; a token itself is saved with
"tether login --token-stdin" only, never taken from the command line.`

func (a *app) setContextCommand() *cobra.Command {
	var tokenFile string
	cmd := &cobra.Command{
		Use:   "set-context NAME [--url URL] [--ca-file FILE] [--namespace NS] [--token-file FILE] [--insecure-skip-tls-verify]",
		Short: "Create or change a context", Long: setContextLong, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.flagChanged("token") {
				return usagef("a token is never taken from the command line: use tether login --token-stdin --context %s", args[0])
			}
			return a.setContext(args[0], tokenFile, cmd.Flags().Changed("token-file"))
		},
	}
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "file holding the token, re-read on every call (replaces the context's credential)")
	return cmd
}

// setContext creates or changes the context name from the flags given.
func (a *app) setContext(name, tokenFile string, tokenFileSet bool) error {
	if !contextName.MatchString(name) {
		return usagef("context name %q: must be %s", name, contextNameHelp)
	}
	cfg, err := loadConfig(a.env.Getenv)
	if err != nil {
		return err
	}
	x := cfg.upsert(name)
	if err := a.applyContextFlags(x); err != nil {
		return err
	}
	if tokenFileSet {
		path, err := absPath(tokenFile)
		if err != nil {
			return err
		}
		x.setCredential("", path, "")
	}
	if err := cfg.save(); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "Context %q saved in %s.\n", name, cfg.path)
	return nil
}

// applyContextFlags copies the global flags given (--url, --ca-file,
// --namespace, --insecure-skip-tls-verify) into x; files are kept as
// absolute paths so that the context works from any directory.
func (a *app) applyContextFlags(x *clientContext) error {
	if a.flagChanged("url") {
		if err := checkServerURL(a.url); err != nil {
			return err
		}
		x.Server = a.url
	}
	if a.flagChanged("ca-file") {
		path, err := absPath(a.caFile)
		if err != nil {
			return err
		}
		x.CAFile = path
	}
	if a.flagChanged("namespace") {
		x.Namespace = a.namespace
	}
	if a.flagChanged("insecure-skip-tls-verify") {
		x.Insecure = a.insecure
	}
	return nil
}

// absPath is path made absolute; "" stays "" (unset).
func absPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "cannot make %s an absolute path: %v", path, err)
	}
	return abs, nil
}

func (a *app) deleteContextCommand() *cobra.Command {
	return &cobra.Command{
		Use: "delete-context NAME", Short: "Delete a context and the OIDC login saved for it", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.deleteContext(args[0]) },
	}
}

// deleteContext deletes the context name, and its saved OIDC login when
// "tether login" saved it in the logins directory for this context. A
// deleted current context leaves no current context.
func (a *app) deleteContext(name string) error {
	cfg, err := loadConfig(a.env.Getenv)
	if err != nil {
		return err
	}
	x, err := cfg.mustLookup(name)
	if err != nil {
		return err
	}
	cfg.remove(name)
	wasCurrent := cfg.CurrentContext == name
	if wasCurrent {
		cfg.CurrentContext = ""
	}
	if err := cfg.save(); err != nil {
		return err
	}
	if x.OIDCLogin != "" && x.OIDCLogin == contextLoginPath(cfg, name) {
		if err := os.Remove(x.OIDCLogin); err != nil && !os.IsNotExist(err) {
			fmt.Fprintf(a.env.Stderr, "warning: cannot remove the saved login %s: %v\n", x.OIDCLogin, err)
		}
	}
	fmt.Fprintf(a.env.Stderr, "Deleted context %q from %s.\n", name, cfg.path)
	if wasCurrent {
		fmt.Fprintln(a.env.Stderr, "It was the current context: there is none now; choose one with tether config use-context.")
	}
	return nil
}

// contextLoginPath is where "tether login --oidc" saves the login of the
// context name: logins/NAME.json beside the configuration file.
func contextLoginPath(cfg *clientConfig, name string) string {
	return filepath.Join(filepath.Dir(cfg.path), loginsSubdir, name+".json")
}
