package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
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
	cmd.AddCommand(create, a.namespaceGetCommand(), del)
	return RequireSubcommand(cmd)
}

func (a *app) namespaceGetCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "get [NAME...]",
		Short: "List the namespaces you hold a role in, or print the named ones",
		Example: `  tether namespace get
  tether namespace get team-a -o yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			list := []*tether.Namespace{}
			if len(args) == 0 {
				if list, err = cl.Namespaces(cmd.Context()); err != nil {
					return err
				}
			}
			if list == nil {
				list = []*tether.Namespace{}
			}
			for _, name := range args {
				n, err := cl.Namespace(cmd.Context(), name)
				if err != nil {
					return err
				}
				list = append(list, n)
			}
			return printOutput(a.env.Stdout, output, list, func(w io.Writer) error { return printNamespaces(w, list) })
		},
	}
	addOutputFlag(cmd, &output, "table")
	return cmd
}

func printNamespaces(w io.Writer, list []*tether.Namespace) error {
	t := newTable(w, "NAME", "CREATED")
	for _, n := range list {
		t.row(n.Name, n.CreatedAt.Format("2006-01-02 15:04:05"))
	}
	return t.flush()
}
