package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) roleBindingCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "rolebinding", Aliases: []string{"rolebindings", "rb"}, Short: "Grant roles to users, groups and service accounts"}
	var role, subject string
	create := &cobra.Command{
		Use:   "create --namespace NS --role ROLE --subject SUBJECT",
		Short: "Bind a role to a subject in a namespace (\"*\": every namespace)",
		Long: `Bind a role to a subject in one namespace, or in every namespace with
--namespace '*'. Roles: viewer (list, get masked), user (+ reveal: decrypted,
render, run), editor (+ create, update, delete), admin (+ role bindings,
tokens, namespaces, key rotation, backups, audit, the vital flag).
Subjects: user:NAME, group:NAME, serviceaccount:K8SNAMESPACE:NAME.`,
		Example: `  tether rolebinding create --namespace team-a --role user --subject serviceaccount:team-b:pipeline-runner`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.namespace == "" {
				return usagef("--namespace is required (\"*\" for every namespace)")
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			b, err := cl.CreateRoleBinding(cmd.Context(), tether.RoleBinding{Subject: subject, Role: tether.Role(role), Namespace: a.namespace})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "role binding %s created: %s is %s in %s\n",
				terminalSafe(b.ID), terminalSafe(b.Subject), terminalSafe(string(b.Role)), terminalSafe(b.Namespace))
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", "", "viewer, user, editor or admin")
	create.Flags().StringVar(&subject, "subject", "", "user:NAME, group:NAME or serviceaccount:K8SNS:NAME")
	_ = create.MarkFlagRequired("role")
	_ = create.MarkFlagRequired("subject")
	cmd.AddCommand(create, a.roleBindingGetCommand(), a.roleBindingDeleteCommand())
	return RequireSubcommand(cmd)
}

func (a *app) roleBindingGetCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use: "get [-n NS]", Short: "List role bindings (of one namespace with -n)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			list, err := cl.RoleBindings(cmd.Context(), a.namespace)
			if err != nil {
				return err
			}
			if list == nil {
				list = []*tether.RoleBinding{}
			}
			return printOutput(a.env.Stdout, output, list, func(w io.Writer) error { return printRoleBindings(w, list) })
		},
	}
	addOutputFlag(cmd, &output, "table")
	return cmd
}

func printRoleBindings(w io.Writer, list []*tether.RoleBinding) error {
	t := newTable(w, "ID", "NAMESPACE", "ROLE", "SUBJECT")
	for _, b := range list {
		t.row(b.ID, b.Namespace, string(b.Role), b.Subject)
	}
	return t.flush()
}

func (a *app) roleBindingDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use: "delete ID", Short: "Delete a role binding", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			if err := cl.DeleteRoleBinding(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "role binding %s deleted\n", terminalSafe(args[0]))
			return nil
		},
	}
}
