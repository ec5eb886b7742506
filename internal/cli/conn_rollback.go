package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) connRollbackCommand() *cobra.Command {
	var (
		to   int64
		opts tether.UpdateOptions
	)
	cmd := &cobra.Command{
		Use:   "rollback ID --to VERSION [--if-version CURRENT] [--force]",
		Short: "Make an earlier version of a connection its next version",
		Long: `Store a new version of a connection whose spec and secrets are those of an
earlier version. It is an update like any other: the change feed reports it,
so the controller delivers it. --if-version refuses the rollback if the
connection has changed since that version; --force allows clearing vital.`,
		Example: `  tether conn rollback training-data --to 3
  tether conn rollback training-data --to 3 --if-version 5`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to < 1 {
				return usagef("--to VERSION is required (a version number, see tether conn history %s)", terminalSafe(args[0]))
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			c, err := cl.Rollback(cmd.Context(), a.ns(), args[0], to, opts)
			if err != nil {
				return inNamespace(err, a.ns())
			}
			_, err = fmt.Fprintf(a.env.Stdout, "connection %s rolled back to version %d: now at version %d\n",
				terminalSafe(c.ID), to, c.Status.Version)
			return err
		},
	}
	cmd.Flags().Int64Var(&to, "to", 0, "the version to roll back to")
	cmd.Flags().Int64Var(&opts.Version, "if-version", 0, "only if the connection is still at this version")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "allow the rollback to clear spec.vital")
	cmd.ValidArgsFunction = a.idCompletion
	return cmd
}
