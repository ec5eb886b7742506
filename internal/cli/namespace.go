package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) namespaceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "namespace", Aliases: []string{"ns", "namespaces"}, Short: "Manage namespaces"}
	create := &cobra.Command{
		Use: "create NAME", Short: "Create a namespace", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			if _, err := cl.CreateNamespace(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "namespace %q created\n", args[0])
			return nil
		},
	}
	get := &cobra.Command{
		Use: "get", Short: "List the namespaces you hold a role in", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			list, err := cl.Namespaces(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCREATED")
			for _, n := range list {
				fmt.Fprintf(tw, "%s\t%s\n", n.Name, n.CreatedAt.Format("2006-01-02 15:04:05"))
			}
			return tw.Flush()
		},
	}
	var force bool
	del := &cobra.Command{
		Use: "delete NAME", Short: "Delete a namespace (--force: with its connections)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			if err := cl.DeleteNamespace(cmd.Context(), args[0], force); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "namespace %q deleted\n", args[0])
			return nil
		},
	}
	del.Flags().BoolVar(&force, "force", false, "also delete the namespace's connections (vital ones still block it)")
	cmd.AddCommand(create, get, del)
	return requireSubcommand(cmd)
}
