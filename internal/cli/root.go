// Package cli is the tether command line: one file per noun_verb, built on
// cobra. Its commands are the API's clients and talk to the server only
// through the Go client of package client; the commands that run a server
// come from elsewhere (cmd/tether adds them) and share the root's flags,
// error printing and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether/internal/conntype"
)

// Env is the process environment a command runs in, passed in rather than
// read from globals so that tests run commands in-process.
type Env struct {
	Getenv func(string) string
	// Environ returns the whole environment, which "tether run" passes on
	// to its command; nil means os.Environ.
	Environ func() []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
}

// app is the state shared by the commands of one invocation.
type app struct {
	env       Env
	types     *conntype.Registry
	url       string
	token     string
	caFile    string
	insecure  bool
	namespace string
	job       string
	// connectTimeout and responseTimeout override the environment's when
	// set (non-zero).
	connectTimeout, responseTimeout time.Duration
	// contextFlag is --context; selected the context it, TETHER_CONTEXT
	// or the configuration file's current one names, once contextDone.
	contextFlag string
	selected    *clientContext
	contextDone bool
	root        *cobra.Command
}

const rootLong = `Tether is a connection registry for ML platforms: it keeps how to reach each
bucket, registry and repository, with its credentials encrypted at rest, and
serves them by name. "tether server" runs the API; every other command is its
client, in the style of kubectl and odahuflowctl.

Client configuration (each setting from the first that gives it: its flag,
its environment variable, the context, the in-pod default, the fallback):
  --url, TETHER_URL              server address (default http://127.0.0.1:8080;
                                 in a pod http://tether.tether.svc.cluster.local)
  --token, TETHER_TOKEN          bearer token
  TETHER_TOKEN_PATH              file holding the token, re-read on every call
                                 (in a pod default /var/run/secrets/tether/token)
  --ca-file, TETHER_CA_FILE      PEM certificates to trust for the server
  --context, TETHER_CONTEXT      context of the configuration file to use
                                 (default: its current-context); the file is
                                 TETHER_CONFIG, else tether/config.yaml under
                                 $XDG_CONFIG_HOME or ~/.config; see tether config
                                 and tether login --token-stdin
  tether login --oidc            saved ID token (refreshed), when none of the above
  ./tether-data/admin.token      used when none of the above is set
  -n, TETHER_NAMESPACE           namespace (default: the manifest's, else the
                                 context's, else default)
  --connect-timeout, TETHER_CONNECT_TIMEOUT
                                 wait for a connection (default 5s)
  --response-timeout, TETHER_RESPONSE_TIMEOUT
                                 wait for an answer to start (default 15s);
                                 reads are retried on 429 and 503, honouring
                                 Retry-After; updates and deletes on 429

Exit codes:
  0  success
  1  internal or unexpected error
  2  usage error (unknown command or flag, missing argument)
  3  invalid input (the message names each offending field), or too large;
     tether conn test: a connection test ran and failed
  4  not found
  5  conflict (duplicate id, stale version)
  6  authentication or authorization failed
  7  server unreachable, unavailable, silent, or not a Tether server
  8  rate limited (429): still throttled after the retries; try again later
  tether run exits with its command's code instead.`

// NewRootCommand returns the tether command tree: the client commands and
// more, the commands defined outside this package.
func NewRootCommand(env Env, more ...*cobra.Command) *cobra.Command {
	return (&app{env: env, types: conntype.New()}).rootCommand(more...)
}

// rootCommand returns the command tree of NewRootCommand acting on a.
func (a *app) rootCommand(more ...*cobra.Command) *cobra.Command {
	env := a.env
	root := &cobra.Command{
		Use:           "tether",
		Short:         "Connection registry for ML platforms",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	a.root = root
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.url, "url", "", "server URL (env TETHER_URL; default http://127.0.0.1:8080, in a pod http://tether.tether.svc.cluster.local)")
	pf.StringVar(&a.token, "token", "", "bearer token (env TETHER_TOKEN)")
	pf.StringVar(&a.caFile, "ca-file", "", "PEM certificates to trust for the server (env TETHER_CA_FILE)")
	pf.BoolVar(&a.insecure, "insecure-skip-tls-verify", false, "do not verify the server's certificate (testing only)")
	pf.StringVarP(&a.namespace, "namespace", "n", env.Getenv(envNamespace), "namespace (env TETHER_NAMESPACE; default: the manifest's, else the context's, else default)")
	pf.DurationVar(&a.connectTimeout, "connect-timeout", 0, "give up connecting to the server after this long (env TETHER_CONNECT_TIMEOUT; default 5s)")
	pf.DurationVar(&a.responseTimeout, "response-timeout", 0, "give up when the server has not started to answer after this long (env TETHER_RESPONSE_TIMEOUT; default 15s; -1s: never)")
	pf.StringVar(&a.job, "job", "", "the job this call acts for, recorded in the audit log (env TETHER_JOB)")
	pf.StringVar(&a.contextFlag, "context", "", "the context of the configuration file to use for this call (env TETHER_CONTEXT)")
	root.AddCommand(a.connCommand(), a.keysCommand(), a.backupCommand(), a.restoreCommand(),
		a.namespaceCommand(), a.roleBindingCommand(), a.tokenCommand(), a.auditCommand(), a.loginCommand(), a.runCommand())
	a.selectContextFor(root.Commands())
	// version reads the context only for the server's part, so that
	// "version --client" works whatever the configuration file holds.
	root.AddCommand(a.configCommand(), a.versionCommand())
	root.AddCommand(more...)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root
}

// Run executes the command line args on the tree of NewRootCommand(env,
// more...) and returns the process exit code: every command's error is
// printed and mapped to its exit code here, once.
func Run(ctx context.Context, args []string, env Env, more ...*cobra.Command) int {
	root := NewRootCommand(env, more...)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		printError(env.Stderr, err)
	}
	return ExitCode(err)
}

func (a *app) connCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "connection",
		Aliases: []string{"conn", "connections"},
		Short:   "Manage connections",
	}
	cmd.AddCommand(a.connGetCommand(), a.connCreateCommand(), a.connEditCommand(), a.connDeleteCommand(), a.connUsageCommand(), a.connRenderCommand(), a.connImportCommand(), a.connExportCommand(), a.connTestCommand(), a.connTypesCommand(),
		a.connHistoryCommand(), a.connDiffCommand(), a.connRollbackCommand())
	return RequireSubcommand(cmd)
}

func (a *app) keysCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the keys that encrypt secrets at rest"}
	cmd.AddCommand(a.keysRotateCommand())
	return RequireSubcommand(cmd)
}

// RequireSubcommand makes a command group print its help when called alone
// and fail with a usage error (exit code 2) on an unknown subcommand, which
// cobra otherwise answers with the help and exit code 0, suggesting the
// subcommands whose names are close, as cobra does for the root command.
func RequireSubcommand(cmd *cobra.Command) *cobra.Command {
	cmd.SuggestionsMinimumDistance = 2
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
		}
		return usageError{errors.New(msg)}
	}
	cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return cmd
}
