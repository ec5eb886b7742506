package cli

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/delivery"
)

// envRunDir names, in the command's environment, the directory holding
// the connections' files.
const envRunDir = "TETHER_RUN_DIR"

const runLong = `Run a command with connections delivered as environment variables and
files, without handling their keys: the connections are read (and the
reads audited, for --job), their files written into a fresh private
directory (0700, files 0600) named by $TETHER_RUN_DIR, and the command run
with their variables set and its standard streams passed through.
SIGINT, SIGTERM and SIGHUP are forwarded to it (SIGINT only when not on a
terminal, where the terminal sends it to the command itself). The
directory is removed when the command ends, whether it succeeds, fails or
is interrupted. tether run exits with the command's exit code (128+N when
signal N ended it; 127 when it cannot be found, 126 when it cannot run).

Several connections: the first of a kind sets the usual variables
(AWS_ACCESS_KEY_ID...); every connection also sets them prefixed with its
id (TRAINING_DATA_AWS_ACCESS_KEY_ID), its files are in $TETHER_RUN_DIR/ID/,
and docker registries are merged into one DOCKER_CONFIG.

--mask replaces every secret of the connections in the command's output,
and its base64 and URL-encoded forms, with *****. Output then goes through
a pipe: a command that changes its behaviour when not on a terminal will.`

func (a *app) runCommand() *cobra.Command {
	var (
		names []string
		mask  bool
	)
	cmd := &cobra.Command{
		Use:   "run -c CONNECTION [-c CONNECTION...] [--mask] -- COMMAND [ARGS...]",
		Short: "Run a command with connections as environment variables and files",
		Long:  runLong,
		Example: `  tether run -c training-data -- aws s3 ls s3://training-data
  tether run -c ml-repository --job nightly -- git clone git@github.com:org/repo.git
  tether run -c training-data -c team-b/registry --mask -- python train.py`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(names) == 0 {
				return usagef("give at least one connection with -c")
			}
			refs, err := a.refs(names)
			if err != nil {
				return err
			}
			return a.run(cmd, refs, args, mask)
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringArrayVarP(&names, "connection", "c", nil, "connection ID or NAMESPACE/ID to deliver (repeatable; the first of a kind sets the plain variables)")
	cmd.Flags().BoolVar(&mask, "mask", false, "replace the connections' secrets in the command's output with *****")
	a.completeIDs(cmd, "connection")
	return cmd
}

// refs parses -c values; an id alone is in -n's namespace.
func (a *app) refs(names []string) ([]delivery.Ref, error) {
	refs := make([]delivery.Ref, 0, len(names))
	for _, n := range names {
		r, err := delivery.ParseRef(n)
		if err != nil {
			return nil, usageError{err}
		}
		r.Namespace = firstNonEmpty(r.Namespace, a.ns())
		refs = append(refs, r)
	}
	return refs, nil
}

// run delivers refs into a fresh directory, runs args there and removes
// the directory; its error carries the command's exit status.
func (a *app) run(cmd *cobra.Command, refs []delivery.Ref, args []string, mask bool) error {
	cl, err := a.client()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tether-run-")
	if err != nil {
		return tether.Internal("cli.run", err)
	}
	defer os.RemoveAll(dir)
	m, err := delivery.New(cl, a.types).Materialize(cmd.Context(), dir, refs...)
	if err != nil {
		return err
	}
	child := exec.Command(args[0], args[1:]...)
	child.Env = a.childEnv(m)
	child.Stdin, child.Stdout, child.Stderr = a.env.Stdin, a.env.Stdout, a.env.Stderr
	var maskers []*delivery.Masker
	if mask {
		values := make([]string, len(m.Secrets))
		for i, s := range m.Secrets {
			values[i] = s.Reveal()
		}
		out, errOut := delivery.NewMasker(a.env.Stdout, values), delivery.NewMasker(a.env.Stderr, values)
		child.Stdout, child.Stderr, maskers = out, errOut, []*delivery.Masker{out, errOut}
	}
	err = a.supervise(child)
	for _, mk := range maskers {
		_ = mk.Flush()
	}
	return err
}

// childEnv is this process's environment with the connections' variables
// set over it, and TETHER_RUN_DIR.
func (a *app) childEnv(m *delivery.Materialized) []string {
	environ := a.env.Environ
	if environ == nil {
		environ = os.Environ
	}
	set := map[string]string{envRunDir: m.Dir}
	for k, v := range m.Env {
		set[k] = v
	}
	var out []string
	for _, kv := range environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, over := set[k]; !over {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+set[k])
	}
	return out
}

// supervise starts child, forwards signals to it until it ends, and
// returns its exit status as an error (nil for 0).
func (a *app) supervise(child *exec.Cmd) error {
	sigs := []os.Signal{syscall.SIGTERM, syscall.SIGHUP}
	if !a.onTerminal() {
		sigs = append(sigs, os.Interrupt)
	}
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, sigs...)
	defer signal.Stop(ch)
	if err := child.Start(); err != nil {
		return startError(err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				_ = child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := child.Wait()
	close(done)
	return exitStatusOf(err)
}

// onTerminal reports whether stdin is a terminal: then Ctrl-C reaches the
// command from the terminal, and forwarding it would deliver it twice.
func (a *app) onTerminal() bool {
	f, ok := a.env.Stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// exitStatus is the exit status of the command tether run ran: tether
// exits with it and prints nothing.
type exitStatus int

func (e exitStatus) Error() string { return "the command exited with status " + strconv.Itoa(int(e)) }

// exitStatusOf turns the result of Wait into an exitStatus (nil for 0):
// the command's own code, or 128+N when signal N ended it, as shells do.
func exitStatusOf(err error) error {
	var ee *exec.ExitError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ee) {
		return tether.Internal("cli.run", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return exitStatus(128 + int(ws.Signal()))
	}
	return exitStatus(ee.ExitCode())
}

// startError reports a command that could not start, with the shells'
// codes: 127 not found, 126 found but not runnable.
func startError(err error) error {
	code := exitStatus(126)
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		code = 127
	}
	return startFailure{code: code, msg: err.Error()}
}

// startFailure is a command that did not start: its message is printed.
type startFailure struct {
	code exitStatus
	msg  string
}

func (s startFailure) Error() string { return s.msg }
