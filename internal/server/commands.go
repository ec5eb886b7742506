// Package server is the server side of the tether binary: "tether server"
// runs the API, "tether migrate" upgrades its database and "tether bench"
// measures it. It opens the stores and the keyring and assembles the
// services; cmd/tether adds its commands to the client commands of package
// cli, which print their errors and map them to exit codes.
package server

import (
	"github.com/spf13/cobra"

	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/conntype"
)

// Settings of "tether server" read from the environment.
const (
	envDataDir    = "TETHER_DATA_DIR"
	envKeyFile    = "TETHER_KEY_FILE"
	envAdminToken = "TETHER_ADMIN_TOKEN_FILE"
	envAddr       = "TETHER_ADDR"
)

// app is the state shared by the server-side commands of one invocation.
type app struct {
	env   cli.Env
	types *conntype.Registry
}

// Commands returns the server-side commands, which run in env.
func Commands(env cli.Env) []*cobra.Command {
	a := &app{env: env, types: conntype.New()}
	return []*cobra.Command{a.serverCommand(), a.migrateCommand(), a.benchCommand()}
}
