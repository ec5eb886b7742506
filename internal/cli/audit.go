package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit log"}
	var id, output string
	var since time.Duration
	get := &cobra.Command{
		Use:     "get [-n NS] [--id CONN] [--since DURATION] [-o json]",
		Short:   "Print audit events, oldest first",
		Example: `  tether audit get -n team-a --id training-data --since 24h`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" {
				return usagef("unknown output format %q: use table or json", output)
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			f := tether.AuditFilter{Namespace: a.namespace, Connection: id}
			if since > 0 {
				f.Since = time.Now().Add(-since)
			}
			events, err := cl.Audit(cmd.Context(), f)
			if err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(a.env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(events)
			}
			return printAudit(a, events)
		},
	}
	get.Flags().StringVar(&id, "id", "", "only events about this connection")
	get.Flags().DurationVar(&since, "since", 0, "only events this recent, e.g. 24h")
	get.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	cmd.AddCommand(get)
	return requireSubcommand(cmd)
}

func printAudit(a *app, events []*tether.AuditEvent) error {
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSUBJECT\tACTION\tNAMESPACE\tCONNECTION\tJOB\tOUTCOME\tREMOTE\tDETAIL")
	for _, e := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Subject, e.Action,
			e.Namespace, e.Connection, e.Job, e.Outcome, e.Remote, e.Detail)
	}
	return tw.Flush()
}
