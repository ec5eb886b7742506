package cli

import (
	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) connGetCommand() *cobra.Command {
	var (
		id        string
		types     []string
		output    string
		decrypted bool
		watch     bool
		version   int64
	)
	cmd := &cobra.Command{
		Use:   "get [ID...]",
		Short: "Print connections (a list, as odahuflowctl does)",
		Example: `  tether conn get
  tether conn get training-data -o json
  tether conn get --id training-data -o json
  tether conn get --type s3 --type gcs -o table
  tether conn get --id ml-repository -o 'jsonpath=[*].spec.reference'
  tether conn get --id training-data --decrypted
  tether conn get training-data --version 3
  tether conn get --watch
  tether conn get -w --type s3 -o json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			ids, err := getIDs(id, args, types)
			if err != nil {
				return err
			}
			if version != 0 {
				return a.getVersion(cmd, ids, version, decrypted, output)
			}
			if watch {
				out, err := checkWatchOutput(output, cmd.Flags().Changed("output") || cmd.Flags().Changed("format"), decrypted)
				if err != nil {
					return err
				}
				return a.watchConnections(cmd.Context(), a.env.Stdout, a.ns(), out, watchSelection{ids: ids, types: types})
			}
			list, err := a.fetch(cmd, ids, types, decrypted)
			if err != nil {
				return err
			}
			return printConnections(a.env.Stdout, output, list)
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "connection id (default: every connection)")
	cmd.Flags().StringArrayVar(&types, "type", nil, "only connections of this type (repeatable)")
	cmd.Flags().BoolVarP(&decrypted, "decrypted", "d", false, "include secrets, base64-encoded as posted")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false,
		"print the connections, then every change as it happens (an EVENT column, or -o json lines) until Ctrl-C")
	cmd.Flags().Int64Var(&version, "version", 0,
		"print this version of the connection, from its history (see tether conn history)")
	addOutputFlag(cmd, &output, "yaml")
	a.completeIDs(cmd, "id")
	cmd.ValidArgsFunction = a.idCompletion
	a.completeTypes(cmd, "type")
	return cmd
}

// getVersion prints one version of the one connection of ids.
func (a *app) getVersion(cmd *cobra.Command, ids []string, version int64, decrypted bool, output string) error {
	if len(ids) != 1 || version < 1 {
		return usagef("--version needs one connection id and a version number (1, 2, ...)")
	}
	cl, err := a.client()
	if err != nil {
		return err
	}
	c, err := cl.GetVersion(cmd.Context(), a.ns(), ids[0], version, decrypted)
	if err != nil {
		return inNamespace(err, a.ns())
	}
	return printConnections(a.env.Stdout, output, []*tether.Connection{c})
}

// getIDs returns the ids to get: --id or the arguments (kubectl's
// "get NAME..."), never both; none means every connection.
func getIDs(id string, args, types []string) ([]string, error) {
	switch {
	case id != "" && len(args) > 0:
		return nil, usagef("give the id as an argument or with --id, not both")
	case (id != "" || len(args) > 0) && len(types) > 0:
		return nil, usagef("--type selects from every connection; it cannot be given with ids")
	case id != "":
		return []string{id}, nil
	}
	return args, nil
}

// fetch returns the connections with ids, or every connection of types.
func (a *app) fetch(cmd *cobra.Command, ids, types []string, decrypted bool) ([]*tether.Connection, error) {
	cl, err := a.client()
	if err != nil {
		return nil, err
	}
	ctx, ns := cmd.Context(), a.ns()
	if len(ids) > 0 {
		get := cl.Get
		if decrypted {
			get = cl.Reveal
		}
		list := make([]*tether.Connection, 0, len(ids))
		for _, id := range ids {
			c, err := get(ctx, ns, id)
			if err != nil {
				return nil, inNamespace(err, ns)
			}
			list = append(list, c)
		}
		return list, nil
	}
	list, err := cl.ListAll(ctx, ns, types)
	if err != nil || !decrypted {
		return list, err
	}
	for i, c := range list {
		if list[i], err = cl.Reveal(ctx, ns, c.ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// completeIDs completes the flag with the ids of the server's connections.
func (a *app) completeIDs(cmd *cobra.Command, flag string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, a.idCompletion)
}

// idCompletion lists the ids of the server's connections.
func (a *app) idCompletion(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	cl, err := a.client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	list, err := cl.ListAll(c.Context(), a.ns(), nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	ids := make([]string, len(list))
	for i, conn := range list {
		ids[i] = conn.ID
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// completeTypes completes the flag with the registered connection types.
func (a *app) completeTypes(cmd *cobra.Command, flag string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, t := range a.types.Types() {
			names = append(names, t.Name+"\t"+t.Description)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}
