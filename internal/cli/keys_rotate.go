package cli

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func (a *app) keysRotateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate",
		Short: "Add a new primary key and re-wrap every record with it",
		Long: `Add a new primary key to the server's key file and re-wrap every record's
data key with it. Reads keep working during and after the rotation. Old keys
stay in the key file, so backups made before the rotation still open.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			bar := newProgress(a.env.Stderr, "re-wrapping")
			keyID, err := cl.RotateKeys(cmd.Context(), bar.update)
			bar.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "rotated: new primary key %s\n", keyID)
			return nil
		},
	}
}

// progress draws a progress bar when w is a terminal, and nothing otherwise.
type progress struct {
	w    io.Writer
	desc string
	bar  *progressbar.ProgressBar
}

func newProgress(w io.Writer, desc string) *progress {
	if !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w, desc: desc}
}

func (p *progress) update(done, total int) {
	if p.w == nil {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.desc), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	_ = p.bar.Set(done)
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
