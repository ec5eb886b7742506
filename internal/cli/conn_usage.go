package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) connUsageCommand() *cobra.Command {
	var id, output string
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "usage --id ID [--since DURATION] [-o json]",
		Short: "How often a connection was revealed, per day, by whom and for which jobs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usagef("--id is required")
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			var from time.Time
			if since > 0 {
				from = time.Now().Add(-since)
			}
			u, err := cl.Usage(cmd.Context(), a.ns(), id, from)
			if err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(a.env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(u)
			}
			fmt.Fprintf(a.env.Stdout, "connection %s/%s: %d reveals since %s\n", u.Namespace, u.Connection, u.Total, u.Since.Format(time.DateOnly))
			for _, section := range []struct {
				title string
				m     map[string]int
			}{{"per day", u.PerDay}, {"by subject", u.Subjects}, {"by job", u.Jobs}} {
				fmt.Fprintf(a.env.Stdout, "%s:\n", section.title)
				keys := make([]string, 0, len(section.m))
				for k := range section.m {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(a.env.Stdout, "  %-40s %d\n", k, section.m[k])
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "connection id")
	cmd.Flags().DurationVar(&since, "since", 0, "window, e.g. 168h (default: the server's, 30 days)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}
