package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/tether-ml/tether"
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
			fmt.Fprintf(a.env.Stderr, "token %s issued for %s\n", terminalSafe(t.ID), terminalSafe(t.Subject))
			return nil
		},
	}
	create.Flags().StringVar(&subject, "subject", "", "user:NAME or serviceaccount:K8SNS:NAME")
	create.Flags().DurationVar(&ttl, "ttl", 0, "lifetime, e.g. 24h (default: no expiry)")
	_ = create.MarkFlagRequired("subject")
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
			fmt.Fprintf(a.env.Stdout, "token %s revoked\n", terminalSafe(args[0]))
			return nil
		},
	}
	cmd.AddCommand(create, a.tokenGetCommand(), revoke)
	return RequireSubcommand(cmd)
}

func (a *app) tokenGetCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use: "get", Short: "List tokens (never the tokens themselves)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			list, err := cl.Tokens(cmd.Context())
			if err != nil {
				return err
			}
			if list == nil {
				list = []tether.TokenInfo{}
			}
			return printOutput(a.env.Stdout, output, list, func(w io.Writer) error { return printTokens(w, list) })
		},
	}
	addOutputFlag(cmd, &output, "table")
	return cmd
}

func printTokens(w io.Writer, list []tether.TokenInfo) error {
	t := newTable(w, "ID", "SUBJECT", "CREATED", "EXPIRES")
	for _, tok := range list {
		exp := "never"
		if tok.ExpiresAt != nil {
			exp = tok.ExpiresAt.Format(time.RFC3339)
		}
		t.row(tok.ID, tok.Subject, tok.CreatedAt.Format(time.RFC3339), exp)
	}
	return t.flush()
}
