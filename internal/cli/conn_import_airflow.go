package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/airflow"
	"github.com/tether-ml/tether/internal/credimport"
)

const connImportAirflowLong = `Create a connection per Airflow connection of FILE, a file that "airflow
connections export" writes, or, with --from-env, of the AIRFLOW_CONN_<CONN_ID>
variables of the environment. Airflow's own rules read them
(airflow.models.Connection):

  FILE.json, FILE.yaml, FILE.yml
           an object of conn_id to a URI or to {conn_type, description,
           host, login, password, schema, port, extra}; extra a JSON
           object or a string holding one (extra_dejson also taken)
  FILE.env CONN_ID=VALUE lines; '#' starts a comment line
  VALUE    a URI, conn-type://login:password@host:port/schema?extra
           (percent-encoded; __extra__=JSON for a nested extra), or the
           JSON object of one connection (--serialization-format json)

Each conn_type becomes the Tether type that reads it; with several
candidates (aws: s3 when extra.service_config.s3.bucket_name names a
bucket) the first that reads the connection. The id is --id-prefix, then
the conn_id lowercased with every run of other characters than a-z and 0-9
turned into '-' (s3_raw_data -> s3-raw-data). A conn_type no type reads,
an entry that is malformed, or a conn_id that gives no valid or an already
taken id is refused, naming the conn_id.`

func (a *app) connImportAirflowCommand() *cobra.Command {
	var (
		f       importFlags
		prefix  string
		fromEnv bool
	)
	cmd := &cobra.Command{
		Use:   "airflow FILE | --from-env",
		Short: "Create connections from Airflow's connections (an export file or AIRFLOW_CONN_* variables)",
		Long:  connImportAirflowLong,
		Example: `  airflow connections export connections.json && tether conn import airflow connections.json --dry-run
  tether conn import airflow connections.env --on-existing overwrite
  tether conn import airflow --from-env --id-prefix airflow-`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := credimport.CheckIDPrefix(prefix); err != nil {
				return usageError{err}
			}
			res, err := a.airflowImport(args, fromEnv, prefix)
			if err != nil {
				return err
			}
			return a.runImport(cmd.Context(), res, f)
		},
	}
	cmd.Flags().BoolVar(&fromEnv, "from-env", false, "read the AIRFLOW_CONN_* variables instead of a file")
	cmd.Flags().StringVar(&prefix, "id-prefix", "", "put this before every derived id, e.g. airflow-")
	f.add(cmd)
	return cmd
}

// airflowImport reads the entries the arguments name.
func (a *app) airflowImport(args []string, fromEnv bool, prefix string) (*credimport.Result, error) {
	switch {
	case fromEnv && len(args) > 0:
		return nil, usagef("give FILE or --from-env, not both")
	case fromEnv:
		environ := os.Environ
		if a.env.Environ != nil {
			environ = a.env.Environ
		}
		entries := airflow.ParseEnviron(environ())
		if len(entries) == 0 {
			return nil, tether.Errorf(tether.EINVALID, "no %s* variable is set", airflow.EnvPrefix)
		}
		return credimport.Airflow(entries, a.types, "the "+airflow.EnvPrefix+"* variables", prefix), nil
	case len(args) == 0:
		return nil, usagef("give FILE, or --from-env")
	}
	data, err := readImportFile(args[0])
	if err != nil {
		return nil, err
	}
	entries, err := airflow.ParseFile(args[0], data)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "%s holds no connection", args[0])
	}
	return credimport.Airflow(entries, a.types, filepath.Base(args[0]), prefix), nil
}
