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
	)
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Print connections (a list, as odahuflowctl does)",
		Example: `  tether conn get
  tether conn get --id training-data -o json
  tether conn get --type s3 --type gcs -o table
  tether conn get --id ml-repository -o 'jsonpath=[*].spec.reference'
  tether conn get --id training-data --decrypted`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			list, err := a.fetch(cmd, id, types, decrypted)
			if err != nil {
				return err
			}
			return printConnections(a.env.Stdout, output, list)
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "connection id (default: every connection)")
	cmd.Flags().StringArrayVar(&types, "type", nil, "only connections of this type (repeatable)")
	cmd.Flags().BoolVarP(&decrypted, "decrypted", "d", false, "include secrets, base64-encoded as posted")
	addOutputFlag(cmd, &output)
	a.completeIDs(cmd, "id")
	a.completeTypes(cmd, "type")
	return cmd
}

// fetch returns the connection with id, or every connection of types.
func (a *app) fetch(cmd *cobra.Command, id string, types []string, decrypted bool) ([]*tether.Connection, error) {
	cl, err := a.client()
	if err != nil {
		return nil, err
	}
	ctx, ns := cmd.Context(), a.ns()
	if id != "" {
		get := cl.Get
		if decrypted {
			get = cl.Reveal
		}
		c, err := get(ctx, ns, id)
		if err != nil {
			return nil, err
		}
		return []*tether.Connection{c}, nil
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
	_ = cmd.RegisterFlagCompletionFunc(flag, func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
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
	})
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
