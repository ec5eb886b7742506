package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// outputFormats are the values of -o besides "jsonpath=EXPR".
var outputFormats = []string{"yaml", "json", "table", "jsonpath="}

// addOutputFlag adds -o/--output and its odahuflowctl alias --format.
func addOutputFlag(cmd *cobra.Command, out *string) {
	cmd.Flags().StringVarP(out, "output", "o", "yaml", "output format: yaml, json, table or jsonpath=EXPR")
	cmd.Flags().StringVar(out, "format", "yaml", "alias of --output (odahuflowctl)")
	for _, f := range []string{"output", "format"} {
		_ = cmd.RegisterFlagCompletionFunc(f, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return outputFormats, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		})
	}
}

// checkOutput validates an -o value before any request is made.
func checkOutput(format string) error {
	switch {
	case format == "yaml", format == "json", format == "table":
		return nil
	case strings.HasPrefix(format, "jsonpath="):
		if strings.TrimPrefix(format, "jsonpath=") == "" {
			return usagef("-o jsonpath= needs an expression, e.g. -o 'jsonpath={[*].spec.uri}'")
		}
		return nil
	}
	return usagef("unknown output format %q: use yaml, json, table or jsonpath=EXPR", format)
}

// printConnections writes a list of connections in the format.
func printConnections(w io.Writer, format string, list []*tether.Connection) error {
	if list == nil {
		list = []*tether.Connection{}
	}
	switch {
	case format == "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	case format == "table":
		return printTable(w, list)
	case strings.HasPrefix(format, "jsonpath="):
		return kube.PrintJSONPath(w, strings.TrimPrefix(format, "jsonpath="), list)
	}
	out, err := yaml.Marshal(list)
	if err != nil {
		return tether.Internal("cli.printConnections", err)
	}
	_, err = w.Write(out)
	return err
}

func printTable(w io.Writer, list []*tether.Connection) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tURI\tVITAL\tDESCRIPTION")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", c.ID, c.Spec.Type, c.Spec.URI, c.Spec.Vital, c.Spec.Description)
	}
	return tw.Flush()
}
