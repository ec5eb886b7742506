package cli

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) connUsageCommand() *cobra.Command {
	var id, output string
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "usage (ID | --id ID) [--since DURATION] [-o table|json|yaml|jsonpath=EXPR]",
		Short: "How often a connection was revealed, per day, by whom and for which jobs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "text" {
				output = "table"
			}
			if err := checkOutput(output); err != nil {
				return err
			}
			ids, err := getIDs(id, args, nil)
			if err != nil {
				return err
			}
			if len(ids) != 1 {
				return usagef("give the connection id as an argument or with --id")
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			var from time.Time
			if since > 0 {
				from = time.Now().Add(-since)
			}
			u, err := cl.Usage(cmd.Context(), a.ns(), ids[0], from)
			if err != nil {
				return inNamespace(err, a.ns())
			}
			return printOutput(a.env.Stdout, output, u, func(w io.Writer) error { return printUsage(w, u) })
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "connection id")
	cmd.Flags().DurationVar(&since, "since", 0, "window, e.g. 168h (default: the server's, 30 days)")
	addOutputFlag(cmd, &output, "table")
	cmd.ValidArgsFunction = a.idCompletion
	return cmd
}

// printUsage writes the human form of u: a summary line, then each count
// by day, subject and job.
func printUsage(w io.Writer, u *tether.Usage) error {
	fmt.Fprintf(w, "connection %s/%s: %d reveals since %s\n",
		terminalSafe(u.Namespace), terminalSafe(u.Connection), u.Total, u.Since.Format(time.DateOnly))
	for _, section := range []struct {
		title string
		m     map[string]int
	}{{"per day", u.PerDay}, {"by subject", u.Subjects}, {"by job", u.Jobs}} {
		fmt.Fprintf(w, "%s:\n", section.title)
		keys := make([]string, 0, len(section.m))
		for k := range section.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-40s %d\n", terminalSafe(k), section.m[k])
		}
	}
	return nil
}
