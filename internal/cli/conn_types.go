package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) connTypesCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "types [NAME] [-o table|json|yaml|jsonpath=EXPR]",
		Short: "The connection types the server accepts, with the JSON Schema of each",
		Long: "Lists the connection types the server accepts: group, secret fields, whether the server " +
			"can test them and their Airflow and Polyaxon names. With -o json or yaml, each comes with the " +
			"JSON Schema (draft 2020-12) of its spec, from which forms and checks are built. With NAME, only that type.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				t, err := cl.Type(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return printOutput(a.env.Stdout, output, t, func(w io.Writer) error {
					return printTypes(w, []*tether.TypeSchema{t})
				})
			}
			list, err := cl.Types(cmd.Context())
			if err != nil {
				return err
			}
			return printOutput(a.env.Stdout, output, list, func(w io.Writer) error { return printTypes(w, list) })
		},
	}
	addOutputFlag(cmd, &output, "table")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, t := range a.types.Types() {
			names = append(names, t.Name+"\t"+t.Description)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
	return cmd
}

// printTypes writes the table of types: one row each, in the server's
// order.
func printTypes(w io.Writer, list []*tether.TypeSchema) error {
	t := newTable(w, "NAME", "GROUP", "SECRETS", "TEST", "AIRFLOW", "POLYAXON", "DESCRIPTION")
	for _, ts := range list {
		test := "no"
		if ts.Test {
			test = "yes"
		}
		t.row(ts.Name, ts.Group, orNone(strings.Join(ts.Secrets, ",")), test,
			orNone(strings.Join(ts.AirflowConnTypes, ",")), ts.PolyaxonKind, ts.Description)
	}
	return t.flush()
}

// orNone is s, or "-" when it is empty, so that a table's columns stay
// aligned.
func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
