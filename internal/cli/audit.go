package cli

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit log"}
	var id, output string
	var since time.Duration
	get := &cobra.Command{
		Use:     "get [-n NS] [--id CONN] [--since DURATION] [-o table|json|yaml|jsonpath=EXPR]",
		Short:   "Print audit events, oldest first",
		Example: `  tether audit get -n team-a --id training-data --since 24h`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
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
			if events == nil {
				events = []*tether.AuditEvent{}
			}
			return printOutput(a.env.Stdout, output, events, func(w io.Writer) error { return printAudit(w, events) })
		},
	}
	get.Flags().StringVar(&id, "id", "", "only events about this connection")
	get.Flags().DurationVar(&since, "since", 0, "only events this recent, e.g. 24h")
	addOutputFlag(get, &output, "table")
	cmd.AddCommand(get)
	return RequireSubcommand(cmd)
}

func printAudit(w io.Writer, events []*tether.AuditEvent) error {
	t := newTable(w, "TIME", "SUBJECT", "ACTION", "NAMESPACE", "CONNECTION", "JOB", "OUTCOME", "REMOTE", "DETAIL")
	for _, e := range events {
		t.row(e.Time.Format(time.RFC3339), e.Subject, e.Action, e.Namespace, e.Connection, e.Job, e.Outcome, e.Remote, e.Detail)
	}
	return t.flush()
}
