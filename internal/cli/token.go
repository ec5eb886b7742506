package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Aliases: []string{"tokens"}, Short: "Manage API tokens"}
	var subject string
	var ttl time.Duration
	create := &cobra.Command{
		Use:     "create --subject SUBJECT [--ttl DURATION]",
		Short:   "Issue a token; prints only the token, on stdout",
		Example: `  TOKEN=$(tether token create --subject user:alice --ttl 24h)`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			t, err := cl.CreateToken(cmd.Context(), subject, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, t.Token)
			fmt.Fprintf(a.env.Stderr, "token %s issued for %s\n", t.ID, t.Subject)
			return nil
		},
	}
	create.Flags().StringVar(&subject, "subject", "", "user:NAME or serviceaccount:K8SNS:NAME")
	create.Flags().DurationVar(&ttl, "ttl", 0, "lifetime, e.g. 24h (default: no expiry)")
	_ = create.MarkFlagRequired("subject")
	get := &cobra.Command{
		Use: "get", Short: "List tokens (never the tokens themselves)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			list, err := cl.Tokens(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSUBJECT\tCREATED\tEXPIRES")
			for _, t := range list {
				exp := "never"
				if t.ExpiresAt != nil {
					exp = t.ExpiresAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Subject, t.CreatedAt.Format(time.RFC3339), exp)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token; it stops working at once", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			if err := cl.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "token %s revoked\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, get, revoke)
	return requireSubcommand(cmd)
}
