package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

func (a *app) connCreateCommand() *cobra.Command {
	var m manifestFlags
	cmd := &cobra.Command{
		Use:   "create -f FILE",
		Short: "Create connections from a YAML or JSON file",
		Example: `  tether conn create -f conn.yaml
  tether conn create -f s3.yaml --id training-data --set-secret keySecret=@secret.txt
  tether conn create -f docker.yaml --set-secret password=-   # reads the password from stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := a.readManifest(&m)
			if err != nil {
				return err
			}
			return a.forEach(list, func(cl *client.Client, c *tether.Connection) (string, error) {
				ns, err := a.nsOf(c)
				if err != nil {
					return "", err
				}
				out, err := cl.Create(cmd.Context(), ns, c)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("connection %q created", out.ID), nil
			})
		},
	}
	m.add(cmd, true)
	return cmd
}
