package controller

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/cli"
)

// Command returns "tether controller", which runs in env until its context
// is cancelled (SIGINT or SIGTERM).
func Command(env cli.Env) *cobra.Command {
	var cfg Config
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Keep Tether connections delivered into Kubernetes namespaces",
		Long: `Run the controller of the tether.ml/v1alpha1 syncs: it keeps each
ConnectionSync's and ClusterConnectionSync's connection delivered as a Secret
(and optionally a Kubeflow PodDefault), driven by Tether's change feed.

It reaches Tether as TETHER_URL, TETHER_TOKEN_PATH and TETHER_CA_FILE say
(in a pod: a projected ServiceAccount token with Tether's audience), and the
cluster as --kubeconfig says (in a pod: its own cluster).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := tetherConfig(cmd.Flags(), env.Getenv)
			if err != nil {
				return err
			}
			cfg.Tether = t
			return Run(cmd.Context(), cfg, env.Stderr)
		},
	}
	cfg.bindFlags(cmd.Flags(), env.Getenv)
	return cmd
}

// tetherConfig returns how to reach Tether: the environment's settings,
// overridden by the global flags given (--url, --token, --ca-file, the
// timeouts, --insecure-skip-tls-verify).
func tetherConfig(f *pflag.FlagSet, getenv func(string) string) (client.ClientConfig, error) {
	cfg := client.ConfigFromEnv(getenv)
	var err error
	set := func(name string, to func() error) {
		if err == nil && f.Changed(name) {
			err = to()
		}
	}
	set("url", func() (e error) { cfg.URL, e = f.GetString("url"); return })
	set("token", func() (e error) { cfg.Token, e = f.GetString("token"); return })
	set("ca-file", func() (e error) { cfg.CAFile, e = f.GetString("ca-file"); return })
	set("connect-timeout", func() (e error) { cfg.ConnectTimeout, e = f.GetDuration("connect-timeout"); return })
	set("response-timeout", func() (e error) { cfg.ResponseTimeout, e = f.GetDuration("response-timeout"); return })
	set("insecure-skip-tls-verify", func() (e error) { cfg.Insecure, e = f.GetBool("insecure-skip-tls-verify"); return })
	return cfg, err
}
