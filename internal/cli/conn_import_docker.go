package cli

import (
	"github.com/spf13/cobra"

	"github.com/tether-ml/tether/internal/credimport"
)

const connImportDockerLong = `Read a docker config.json (default: $DOCKER_CONFIG/config.json, else
~/.docker/config.json) with docker's own parser, and create one docker
connection per registry that has a username and a password:

  uri  the registry of the auths key: host[:port], lowercased, without the
       scheme, with its path unless that is only an API version (/v1/,
       /v2/). Docker Hub's names ("https://index.docker.io/v1/",
       index.docker.io, registry-1.docker.io) become docker.io.
  id   --id-prefix, then the uri lowercased with every run of characters
       other than a-z and 0-9 turned into '-', at most 63 characters:
       docker.io -> docker-io, localhost:5000 -> localhost-5000,
       quay.io/acme -> quay-io-acme.

An entry without credentials of its own is read from the credential helper
docker would ask for it (credHelpers, else credsStore): the
docker-credential-* program in PATH, over stdin and stdout, as docker does.
--no-credential-helpers skips those entries instead. Entries holding only an
identity token, or nothing, are skipped, and so is a second key for a
registry already read (docker's own key for it wins); each skipped entry is
named on stderr with the reason.`

func (a *app) connImportDockerCommand() *cobra.Command {
	var (
		f         importFlags
		prefix    string
		noHelpers bool
	)
	cmd := &cobra.Command{
		Use:   "docker-config [PATH]",
		Short: "Create a docker connection per registry of a docker config.json",
		Long:  connImportDockerLong,
		Example: `  tether conn import docker-config --dry-run
  tether conn import docker-config ~/.docker/config.json --id-prefix team-a-
  tether conn import docker-config /secrets/docker/config.json --skip-existing -n ml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := credimport.CheckIDPrefix(prefix); err != nil {
				return usageError{err}
			}
			path, err := a.dockerConfigPath(args)
			if err != nil {
				return err
			}
			res, err := credimport.ReadDockerConfig(path, credimport.DockerOptions{IDPrefix: prefix, CredentialHelpers: !noHelpers})
			if err != nil {
				return err
			}
			return a.runImport(cmd.Context(), res, f)
		},
	}
	cmd.Flags().StringVar(&prefix, "id-prefix", "", "put this before every derived id, e.g. team-a-")
	cmd.Flags().BoolVar(&noHelpers, "no-credential-helpers", false,
		"do not run the credential helpers the file names (credsStore, credHelpers): skip their registries")
	f.add(cmd)
	return cmd
}

// dockerConfigPath is the file the command reads: its argument, else where
// docker looks.
func (a *app) dockerConfigPath(args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	return credimport.DockerConfigPath(a.env.Getenv)
}
