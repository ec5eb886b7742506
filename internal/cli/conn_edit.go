package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

func (a *app) connEditCommand() *cobra.Command {
	var (
		m     manifestFlags
		force bool
	)
	cmd := &cobra.Command{
		Use:   "edit -f FILE",
		Short: "Update connections from a YAML or JSON file",
		Long: `Update connections from a YAML or JSON file.

A secret left out, or left masked ("*****") as "tether conn get" prints it,
keeps its stored value. If the file carries status.version (as "get" output
does), the update fails with a conflict when someone changed the connection
since.`,
		Example: `  tether conn get --id training-data > conn.yaml   # edit it, then:
  tether conn edit -f conn.yaml
  tether conn edit -f conn.yaml --set-secret keySecret=@new-secret.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := a.readManifest(&m)
			if err != nil {
				return err
			}
			return a.forEach(list, func(cl *client.Client, c *tether.Connection) (string, error) {
				opts := tether.UpdateOptions{Version: c.Status.Version, Force: force}
				ns, err := a.nsOf(c)
				if err != nil {
					return "", err
				}
				out, err := cl.Update(cmd.Context(), ns, c, opts)
				if err != nil {
					return "", inNamespace(err, ns)
				}
				return fmt.Sprintf("connection %q updated", out.ID), nil
			})
		},
	}
	m.add(cmd, true)
	cmd.Flags().BoolVar(&force, "force", false, "allow clearing spec.vital")
	return cmd
}
