package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

func (a *app) connDeleteCommand() *cobra.Command {
	var (
		m              manifestFlags
		ignoreNotFound bool
	)
	cmd := &cobra.Command{
		Use:   "delete (--id ID | -f FILE)",
		Short: "Delete connections by id or by the ids in a file",
		Example: `  tether conn delete --id training-data
  tether conn delete -f conns.yaml --ignore-not-found`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := a.deleteTargets(&m)
			if err != nil {
				return err
			}
			return a.forEach(list, func(cl *client.Client, c *tether.Connection) (string, error) {
				ns, err := a.nsOf(c)
				if err == nil {
					err = cl.Delete(cmd.Context(), ns, c.ID)
				}
				if tether.ErrorCode(err) == tether.ENOTFOUND && ignoreNotFound {
					return fmt.Sprintf("connection %q not found in namespace %q (ignored)", c.ID, ns), nil
				}
				if err != nil {
					return "", inNamespace(err, ns)
				}
				return fmt.Sprintf("connection %q deleted", c.ID), nil
			})
		},
	}
	m.add(cmd, false)
	cmd.Flags().BoolVar(&ignoreNotFound, "ignore-not-found", false, "succeed when a connection does not exist")
	a.completeIDs(cmd, "id")
	return cmd
}

func (a *app) deleteTargets(m *manifestFlags) ([]*tether.Connection, error) {
	switch {
	case m.id != "" && len(m.files) > 0:
		return nil, usagef("give --id or -f, not both")
	case m.id != "":
		return []*tether.Connection{{ID: m.id}}, nil
	case len(m.files) == 0:
		return nil, usagef("give --id ID or -f FILE")
	}
	return a.readManifest(m)
}
