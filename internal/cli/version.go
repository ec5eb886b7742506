package cli

import (
	"cmp"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/version"
)

const versionLong = `Print the version of this tether client and of the server it talks to,
side by side, as kubectl does: version, commit, build date, Go version and
platform. The server's comes from its /version route, which needs no token.

If the server cannot be reached, the client's version is printed, then the
error, and the exit code is 7; --client never contacts a server.`

// versions is what "tether version -o json|yaml" prints, in kubectl's
// shape; ServerVersion is absent with --client or when the server could
// not be reached.
type versions struct {
	ClientVersion tether.BuildInfo  `json:"clientVersion"`
	ServerVersion *tether.BuildInfo `json:"serverVersion,omitempty"`
}

func (a *app) versionCommand() *cobra.Command {
	var (
		output     string
		clientOnly bool
	)
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the client and server versions",
		Long:  versionLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" && output != "yaml" {
				return usagef("unknown output format %q: use table, json or yaml", output)
			}
			v := versions{ClientVersion: version.Get()}
			var err error
			if !clientOnly {
				v.ServerVersion, err = a.serverVersion(cmd)
			}
			if perr := printVersions(cmd.OutOrStdout(), output, v); perr != nil {
				return perr
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	cmd.Flags().BoolVar(&clientOnly, "client", false, "print the client's version only, without contacting a server")
	return cmd
}

// serverVersion asks the configured server for its build.
func (a *app) serverVersion(cmd *cobra.Command) (*tether.BuildInfo, error) {
	cl, err := a.client()
	if err != nil {
		return nil, err
	}
	return cl.Version(cmd.Context())
}

// printVersions writes v: "table" is the human form, one block per side.
func printVersions(w io.Writer, format string, v versions) error {
	return printOutput(w, format, v, func(w io.Writer) error {
		printBuild(w, "Client", v.ClientVersion)
		if v.ServerVersion != nil {
			printBuild(w, "Server", *v.ServerVersion)
		}
		return nil
	})
}

// printBuild writes one side's build; what the server sent is escaped as
// table cells are.
func printBuild(w io.Writer, side string, b tether.BuildInfo) {
	fmt.Fprintf(w, "%s Version: %s\n", side, terminalSafe(b.Version))
	for _, f := range [][2]string{{"Commit", b.Commit}, {"Build Date", b.BuildDate}, {"Go Version", b.GoVersion}, {"Platform", b.Platform}} {
		fmt.Fprintf(w, "  %-11s %s\n", f[0]+":", terminalSafe(cmp.Or(f[1], "unknown")))
	}
}
