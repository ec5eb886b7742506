package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/credimport"
)

func (a *app) connImportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Create connections from credentials on this machine or from Airflow's and Polyaxon's connections",
		Long: `Create connections from what already exists where you work: the registries of
a docker config.json, a profile of the AWS shared files or the AWS and S3_*
environment variables (as Kaptain's configuration providers read them),
Airflow's connections (an "airflow connections export" file, or the
AIRFLOW_CONN_* variables), or the connections of a Polyaxon agent config.

Every connection is validated, and the whole source checked, before anything
is written. An entry that cannot be imported (malformed, of a kind no type
reads, or whose id cannot be made valid) is refused with its reason on
stderr, and then nothing is written (exit code 3) unless --skip-invalid
leaves such entries out.

The connections are printed (secrets as *****), with what will happen to
each. --dry-run stops there: it reads which ids exist, writes nothing, and
exits as the import would. --on-existing says what happens to an id that
exists already:
  fail       nothing is written, exit code 5 (the default)
  skip       the existing connection is left as it is, the others created
  overwrite  the existing connection is replaced, in one update that fails
             if it changed since it was read (its version); a vital
             connection stays vital`,
	}
	cmd.AddCommand(a.connImportDockerCommand(), a.connImportAWSCommand(),
		a.connImportAirflowCommand(), a.connImportPolyaxonCommand())
	return RequireSubcommand(cmd)
}

// What an import does with an id that exists (--on-existing).
const (
	onExistingFail      = "fail"
	onExistingSkip      = "skip"
	onExistingOverwrite = "overwrite"
)

// importFlags are the flags every import command shares.
type importFlags struct {
	dryRun       bool
	skipExisting bool
	skipInvalid  bool
	onExisting   string
}

func (f *importFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.dryRun, "dry-run", false, "print what would be done, and write nothing")
	fl.StringVar(&f.onExisting, "on-existing", onExistingFail, "what to do with an id that exists: fail, skip or overwrite")
	fl.BoolVar(&f.skipExisting, "skip-existing", false, "the same as --on-existing skip")
	fl.BoolVar(&f.skipInvalid, "skip-invalid", false, "leave out the entries that cannot be imported, and import the others")
	_ = cmd.RegisterFlagCompletionFunc("on-existing", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{onExistingFail, onExistingSkip, onExistingOverwrite}, cobra.ShellCompDirectiveNoFileComp
	})
}

// mode returns the --on-existing mode, or a usage error.
func (f *importFlags) mode() (string, error) {
	switch {
	case f.skipExisting && f.onExisting != onExistingFail && f.onExisting != onExistingSkip:
		return "", usagef("--skip-existing contradicts --on-existing %s", f.onExisting)
	case f.skipExisting:
		return onExistingSkip, nil
	case f.onExisting == onExistingFail || f.onExisting == onExistingSkip || f.onExisting == onExistingOverwrite:
		return f.onExisting, nil
	}
	return "", usagef("--on-existing %q: use fail, skip or overwrite", f.onExisting)
}

// runImport validates what an import found, prints it with what will
// happen to each connection, and, unless this is a dry run, writes it. It
// writes nothing if an entry is refused (unless --skip-invalid), or, with
// --on-existing fail, if an id exists. Skipped and refused entries are
// reported on stderr.
func (a *app) runImport(ctx context.Context, res *credimport.Result, f importFlags) error {
	mode, err := f.mode()
	if err != nil {
		return err
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(a.env.Stderr, "skipped %s: %s\n", terminalSafe(s.Source), terminalSafe(s.Reason))
	}
	list, refused := a.validateImport(res)
	for _, s := range refused {
		fmt.Fprintf(a.env.Stderr, "refused %s: %s\n", terminalSafe(s.Source), terminalSafe(s.Reason))
	}
	if len(refused) > 0 && !f.skipInvalid {
		return tether.Errorf(tether.EINVALID, "%s refused; nothing was imported (--skip-invalid imports the others)",
			plural(len(refused), "entry", "entries"))
	}
	if len(list) == 0 {
		return tether.Errorf(tether.EINVALID, "nothing to import")
	}
	cl, err := a.client()
	if err != nil {
		return err
	}
	plan, err := a.planImport(ctx, cl, list, mode)
	if err != nil {
		return err
	}
	if err := a.printImportPlan(plan); err != nil {
		return err
	}
	if err := plan.conflict(mode, f.dryRun); err != nil || f.dryRun {
		return err
	}
	return a.writeImport(ctx, cl, plan)
}

// validateImport checks every connection with the type registry. It
// returns the valid ones, and the refused entries of res followed by the
// connections that are invalid, each with every problem.
func (a *app) validateImport(res *credimport.Result) ([]*tether.Connection, []credimport.Skip) {
	refused := append([]credimport.Skip(nil), res.Refused...)
	var valid []*tether.Connection
	for _, c := range res.Connections {
		if err := a.types.Validate(c); err != nil {
			refused = append(refused, credimport.Skip{Source: fmt.Sprintf("connection %q", c.ID), Reason: tether.ErrorMessage(err)})
			continue
		}
		valid = append(valid, c)
	}
	return valid, refused
}

// plural is "1 entry" or "n entries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// importDetails lists the typed fields and parameters c sets, in the order
// its type's schema declares them, and the Kubernetes objects it refers
// to; the schema says which are secret.
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
	if r := c.Spec.SecretRef; r != nil {
		show("secret", r.Name, false)
	}
	if r := c.Spec.ConfigMapRef; r != nil {
		show("configMap", r.Name, false)
	}
	return strings.Join(parts, " ")
}

// readImportFile reads the file an import names; the error names the file
// once.
func readImportFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", path, err)
	}
	return data, nil
}
