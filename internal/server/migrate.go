package server

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether/internal/cli"
)

func (a *app) migrateCommand() *cobra.Command {
	var cfg storeConfig
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Show or apply the database schema migrations",
		Long: `Show or apply the database schema migrations. "tether server" applies pending
migrations itself when it starts (under a lock, so replicas starting together
apply each one once); "tether migrate up" lets an operator apply them before
rolling out new replicas. Both talk to the database directly. An SQLite
database belongs to the one server running on it: "up" needs it stopped
(it is refused while the server runs); "status" works alongside.`,
	}
	cfg.addFlags(cmd.PersistentFlags(), a.env.Getenv)
	status := &cobra.Command{
		Use:   "status",
		Short: "Print the schema version of the database and the newest this binary knows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := cfg.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer st.Close()
			current, latest, err := st.SchemaStatus(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "store:   %s\ncurrent: %d\nlatest:  %d\n", cfg.description(), current, latest)
			switch {
			case current > latest:
				fmt.Fprintln(a.env.Stdout, "state:   the database is newer than this binary: upgrade tether")
			case current < latest:
				fmt.Fprintf(a.env.Stdout, "state:   %d pending (tether migrate up)\n", latest-current)
			default:
				fmt.Fprintln(a.env.Stdout, "state:   up to date")
			}
			return nil
		},
	}
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply the pending migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := cfg.open(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer st.Close()
			applied, err := st.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(a.env.Stdout, "up to date: no migration to apply")
				return nil
			}
			fmt.Fprintf(a.env.Stdout, "applied migrations %v\n", applied)
			return nil
		},
	}
	cmd.AddCommand(status, up)
	return cli.RequireSubcommand(cmd)
}
