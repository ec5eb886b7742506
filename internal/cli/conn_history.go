package cli

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) connHistoryCommand() *cobra.Command {
	var (
		output string
		opts   tether.HistoryOptions
	)
	cmd := &cobra.Command{
		Use:   "history ID [--limit N] [--before VERSION] [-o table|json|yaml|jsonpath=EXPR]",
		Short: "List the versions of a connection, newest first, and the fields each changed",
		Long: `List the versions of a connection the server keeps (its --history-keep),
newest first, with the fields each changed from the one before it. Secrets
are never shown: a changed secret is named, not printed.`,
		Example: `  tether conn history training-data
  tether conn history training-data --limit 5 --before 12 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			list, err := cl.History(cmd.Context(), a.ns(), args[0], opts)
			if err != nil {
				return inNamespace(err, a.ns())
			}
			return printOutput(a.env.Stdout, output, list, func(w io.Writer) error { return printHistory(w, list) })
		},
	}
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "at most this many versions (default 20, at most 100)")
	cmd.Flags().Int64Var(&opts.Before, "before", 0, "only versions older than this one (the next page)")
	addOutputFlag(cmd, &output, "table")
	cmd.ValidArgsFunction = a.idCompletion
	return cmd
}

// printHistory writes the versions as a table: VERSION, UPDATED, CHANGED.
func printHistory(w io.Writer, list []*tether.ConnectionVersion) error {
	t := newTable(w, "VERSION", "UPDATED", "CHANGED")
	for _, v := range list {
		changed := "-"
		if v.Changed != nil {
			changed = strings.Join(v.Changed, ",")
			if changed == "" {
				changed = "(nothing)"
			}
		}
		t.row(strconv.FormatInt(v.Version, 10), v.UpdatedAt.UTC().Format(time.RFC3339), terminalSafe(changed))
	}
	return t.flush()
}
