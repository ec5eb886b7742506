package cli

import (
	"github.com/spf13/cobra"

	"github.com/tether-ml/tether/internal/credimport"
)

const connImportPolyaxonLong = `Create a connection per entry of the artifactsStore, connections and
notificationConnections of a Polyaxon agent config (YAML or JSON; its other
keys are ignored):

  name       the id, lowercased with every run of other characters than
             a-z and 0-9 turned into '-', after --id-prefix
  kind       the Tether type whose Polyaxon kind it is (registry: docker,
             or ecr for an ECR url; wasb: azureblob)
  schema     the type's fields: bucket (s3, gcs, wasb) or url (registry,
             git) becomes the uri
  secret     the connection's secret reference: the credentials stay in
  configMap  that Kubernetes Secret or ConfigMap of the namespace the
             connection is delivered to (name, mountPath, items)

An entry listed under two sections with one name and kind is read once. An
entry of an unknown kind, with an unknown key, or whose schema the type
cannot read is refused, naming its section and name.`

func (a *app) connImportPolyaxonCommand() *cobra.Command {
	var (
		f      importFlags
		prefix string
	)
	cmd := &cobra.Command{
		Use:   "polyaxon FILE",
		Short: "Create connections from the connections of a Polyaxon agent config",
		Long:  connImportPolyaxonLong,
		Example: `  tether conn import polyaxon agent-config.yaml --dry-run
  tether conn import polyaxon agent-config.yaml --id-prefix px- --on-existing skip -n ml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := credimport.CheckIDPrefix(prefix); err != nil {
				return usageError{err}
			}
			data, err := readImportFile(args[0])
			if err != nil {
				return err
			}
			res, err := credimport.PolyaxonConfig(args[0], data, a.types, prefix)
			if err != nil {
				return err
			}
			return a.runImport(cmd.Context(), res, f)
		},
	}
	cmd.Flags().StringVar(&prefix, "id-prefix", "", "put this before every derived id, e.g. px-")
	f.add(cmd)
	return cmd
}
