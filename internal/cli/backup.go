package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) backupCommand() *cobra.Command {
	var withAudit bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent, still encrypted copy of the whole store to FILE",
		Long: `Write a consistent copy of the server's whole store to FILE (- for stdout):
namespaces, role bindings, tokens (as hashes, with subject and expiry), key
checks and every connection of every namespace, with secrets still sealed;
with --with-audit, the audit log too. The copy does not hold the key file:
keep that apart.

The backup is checked as it arrives (counts and checksum); FILE is written
only when it is complete. Restore it with "tether restore", into a server on
either store (SQLite or PostgreSQL) that has the same key file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			bar := newProgress(a.env.Stderr, "backing up")
			defer bar.finish()
			var n int
			err = writeAtomically(args[0], a.env.Stdout, func(w io.Writer) error {
				n, err = cl.Backup(cmd.Context(), w, withAudit, bar.update)
				return err
			})
			if err != nil {
				return err
			}
			bar.finish()
			fmt.Fprintf(a.env.Stderr, "backed up %d connections\n", n)
			return nil
		},
	}
	cmd.Flags().BoolVar(&withAudit, "with-audit", false, "also copy the audit log")
	return cmd
}

// writeAtomically runs write on a temporary file (mode 0600) next to path
// and renames it to path only if write succeeds, so a failed backup never
// leaves a partial file behind or replaces a good one. "-" writes to stdout.
func writeAtomically(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return tether.Errorf(tether.EINVALID, "cannot write %s: %v", path, unwrapPathError(err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return tether.Internal("cli.backup", err)
	}
	if err := tmp.Close(); err != nil {
		return tether.Internal("cli.backup", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return tether.Errorf(tether.EINVALID, "cannot write %s: %v", path, err)
	}
	return nil
}
