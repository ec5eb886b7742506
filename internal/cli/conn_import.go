package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/credimport"
)

func (a *app) connImportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Create connections from credentials already on this machine (docker config.json, AWS files or variables)",
		Long: `Create connections from credentials that already exist where you work, as
Kaptain's configuration providers read them: the registries of a docker
config.json, or a profile of the AWS shared files, or the AWS and S3_*
environment variables.

Every connection is validated and printed first (secrets as *****); with
--dry-run nothing else happens. Otherwise, if a connection with one of the
ids exists already, nothing is created (exit code 5) unless --skip-existing
is given, which leaves the existing ones as they are.`,
	}
	cmd.AddCommand(a.connImportDockerCommand(), a.connImportAWSCommand())
	return RequireSubcommand(cmd)
}

// importFlags are the flags every import command shares.
type importFlags struct {
	dryRun       bool
	skipExisting bool
}

func (f *importFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print what would be created, and create nothing")
	cmd.Flags().BoolVar(&f.skipExisting, "skip-existing", false, "leave connections that exist already as they are, and create the others")
}

// runImport validates what an import found, prints it, and, unless this is
// a dry run, creates it: all of it, or nothing if an id is taken (unless
// --skip-existing). What was skipped in the source is reported on stderr.
func (a *app) runImport(ctx context.Context, res *credimport.Result, f importFlags) error {
	for _, s := range res.Skipped {
		fmt.Fprintf(a.env.Stderr, "skipped %s: %s\n", terminalSafe(s.Source), terminalSafe(s.Reason))
	}
	list := res.Connections
	if len(list) == 0 {
		return tether.Errorf(tether.EINVALID, "nothing to import")
	}
	if err := a.validateImport(list); err != nil {
		return err
	}
	if err := a.printImportPlan(list); err != nil || f.dryRun {
		return err
	}
	cl, err := a.client()
	if err != nil {
		return err
	}
	existing, err := a.existingIDs(ctx, cl, list)
	if err != nil {
		return err
	}
	if len(existing) > 0 && !f.skipExisting {
		return tether.Errorf(tether.ECONFLICT, "connections exist already: %s; nothing was created "+
			"(--skip-existing creates the others)", strings.Join(slices.Sorted(maps.Keys(existing)), ", "))
	}
	return a.createImported(ctx, cl, list, existing, f.skipExisting)
}

// validateImport checks every connection with the type registry, and
// returns one EINVALID error naming every problem of every connection.
func (a *app) validateImport(list []*tether.Connection) error {
	var problems []string
	for _, c := range list {
		if err := a.types.Validate(c); err != nil {
			problems = append(problems, tether.ErrorMessage(err))
		}
	}
	if len(problems) > 0 {
		return tether.Errorf(tether.EINVALID, "%s", strings.Join(problems, "; "))
	}
	return nil
}

// existingIDs returns the ids of the list that name a connection already.
func (a *app) existingIDs(ctx context.Context, cl *client.Client, list []*tether.Connection) (map[string]bool, error) {
	found := map[string]bool{}
	for _, c := range list {
		_, err := cl.Get(ctx, a.ns(), c.ID)
		switch tether.ErrorCode(err) {
		case "":
			found[c.ID] = true
		case tether.ENOTFOUND:
		default:
			return nil, err
		}
	}
	return found, nil
}

// createImported creates every connection whose id is not in existing,
// printing a line for each one created or left as it was. With
// skipExisting, one created by someone else meanwhile is left too.
func (a *app) createImported(ctx context.Context, cl *client.Client, list []*tether.Connection,
	existing map[string]bool, skipExisting bool) error {
	for _, c := range list {
		var err error
		if !existing[c.ID] {
			_, err = cl.Create(ctx, a.ns(), c)
		}
		switch {
		case existing[c.ID] || (skipExisting && tether.ErrorCode(err) == tether.ECONFLICT):
			fmt.Fprintf(a.env.Stdout, "connection %q exists, left unchanged\n", c.ID)
		case err != nil:
			return err
		default:
			fmt.Fprintf(a.env.Stdout, "connection %q created\n", c.ID)
		}
	}
	return nil
}

// printImportPlan prints the connections as a table: id, type, uri, and
// the fields and parameters each sets, secrets as tether.Mask.
func (a *app) printImportPlan(list []*tether.Connection) error {
	t := newTable(a.env.Stdout, "ID", "TYPE", "URI", "DETAILS")
	for _, c := range list {
		t.row(c.ID, c.Spec.Type, c.Spec.URI, a.importDetails(c))
	}
	return t.flush()
}

// importDetails lists the typed fields and parameters c sets, in the order
// its type's schema declares them; the schema says which are secret.
func (a *app) importDetails(c *tether.Connection) string {
	t := a.types.Type(c.Spec.Type)
	if t == nil {
		return ""
	}
	var parts []string
	show := func(name, v string, secret bool) {
		if v == "" {
			return
		}
		if secret {
			v = tether.Mask
		}
		parts = append(parts, name+"="+v)
	}
	for _, f := range t.Fields {
		show(f.Name, *c.Spec.Field(f.Name), f.Secret)
	}
	for _, p := range t.Parameters {
		show(p.Name, c.Spec.Parameters[p.Name], p.Secret)
	}
	if t.FreeParameters {
		for _, k := range slices.Sorted(maps.Keys(c.Spec.Parameters)) {
			if t.Parameter(k) == nil {
				show(k, c.Spec.Parameters[k], slices.Contains(c.Spec.SecretKeys, k))
			}
		}
	}
	return strings.Join(parts, " ")
}
