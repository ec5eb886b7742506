package cli

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) connDiffCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "diff ID FROM TO [-o table|json|yaml|jsonpath=EXPR]",
		Short: "Name the fields that differ between two versions of a connection",
		Long: `Name the fields that differ from version FROM to version TO of a connection,
with their values; a secret field is said to have changed, never shown.`,
		Example: `  tether conn diff training-data 3 5`,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			from, err := versionArg("FROM", args[1])
			if err != nil {
				return err
			}
			to, err := versionArg("TO", args[2])
			if err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			d, err := cl.Diff(cmd.Context(), a.ns(), args[0], from, to)
			if err != nil {
				return inNamespace(err, a.ns())
			}
			return printOutput(a.env.Stdout, output, d, func(w io.Writer) error { return printDiff(w, d) })
		},
	}
	addOutputFlag(cmd, &output, "table")
	cmd.ValidArgsFunction = a.idCompletion
	return cmd
}

// versionArg reads the argument name as a version: a positive integer.
func versionArg(name, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, usagef("%s must be a version number (1, 2, ...), not %q", name, terminalSafe(v))
	}
	return n, nil
}

// printDiff writes the changed fields as a table: FIELD, FROM, TO.
func printDiff(w io.Writer, d *tether.VersionDiff) error {
	if len(d.Changes) == 0 {
		_, err := fmt.Fprintf(w, "versions %d and %d of %s are the same\n", d.From, d.To, terminalSafe(d.ID))
		return err
	}
	t := newTable(w, "FIELD", "FROM", "TO")
	for _, c := range d.Changes {
		if c.Secret {
			t.row(terminalSafe(c.Field), "(secret changed)", "")
			continue
		}
		t.row(terminalSafe(c.Field), terminalSafe(c.From), terminalSafe(c.To))
	}
	return t.flush()
}
