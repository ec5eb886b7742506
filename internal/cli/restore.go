package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
)

func (a *app) restoreCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup into a server whose store holds no connection",
		Long: `Restore a backup made by "tether backup" (- reads stdin). The server's store,
SQLite or PostgreSQL, must hold no connection yet; the restore writes all of
the backup or nothing: namespaces, role bindings, tokens, connections and,
if the backup has it, the audit log (appended to the server's own).

What the server already holds in the same form is kept: its namespaces, its
own admin token, identical tokens and role bindings. A token or role binding
of the backup that contradicts one the server holds (same id, another
token or grant) refuses the restore. The server must have the key file of
the backed-up server: a backup whose keys it cannot open is refused before
anything is written.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, size, err := a.openInput(args[0])
			if err != nil {
				return err
			}
			defer r.Close()
			cl, err := a.client()
			if err != nil {
				return err
			}
			body := io.Reader(r)
			if isTerminal(a.env.Stderr) && size > 0 {
				bar := progressbar.NewOptions64(size, progressbar.OptionSetWriter(a.env.Stderr),
					progressbar.OptionSetDescription("restoring"), progressbar.OptionShowBytes(true),
					progressbar.OptionClearOnFinish())
				defer bar.Finish()
				body = io.TeeReader(r, bar)
			}
			res, err := cl.Restore(cmd.Context(), body)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, res.Message)
			return nil
		},
	}
}

// openInput opens a file, or stdin for "-", and returns its size if known.
func (a *app) openInput(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(a.env.Stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, tether.Errorf(tether.EINVALID, "cannot read %s: %v", name, unwrapPathError(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, tether.Errorf(tether.EINVALID, "cannot read %s: %v", name, unwrapPathError(err))
	}
	return f, fi.Size(), nil
}
