package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/probe"
)

// testFlags are the flags of "tether conn test".
type testFlags struct {
	manifest manifestFlags
	local    bool
	timeout  time.Duration
	output   string
}

// testTarget is one connection to test: stored (conn nil) or from a file.
type testTarget struct {
	ns, id string
	conn   *tether.Connection
}

// testReport is the result of one test as -o json and yaml print it.
type testReport struct {
	ID        string `json:"id"`
	Namespace string `json:"namespace"`
	*tether.ProbeResult
}

func (a *app) connTestCommand() *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test (ID... | -f FILE)",
		Short: "Test connections: does the credential work on its target?",
		Long: `Test connections with the smallest call that proves the credential and the
target (s3 lists one key under the uri's prefix, docker authenticates and lists
the repository's tags, git runs an ls-remote pinned to publicKey...).

By default the server runs the test with the stored secrets, which never
leave it (permission connections.test), and keeps the result, shown by
"tether conn get -o table" and in the API's status.lastTest. With -f the
connections of the file are tested as they are, unsaved (connections.write
as well). --local runs the same test from this machine instead: a stored
connection is read with its secrets first (permission connections.reveal);
with -f no server is needed.

Exits with 3 when a test ran and failed.`,
		Example: `  tether conn test training-data
  tether conn test training-data docker-registry -o json
  tether conn test -f s3.yaml
  tether conn test --local training-data
  tether conn test --local -f s3.yaml --set-secret keySecret=@secret.txt`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(f.output); err != nil {
				return err
			}
			targets, err := a.testTargets(&f, args)
			if err != nil {
				return err
			}
			return a.runTests(cmd.Context(), &f, targets)
		},
	}
	f.manifest.add(cmd, true)
	cmd.Flags().BoolVar(&f.local, "local", false, "run the test on this machine rather than on the server")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 30*time.Second, "with --local: time one test may take")
	addOutputFlag(cmd, &f.output, "table")
	cmd.ValidArgsFunction = a.idCompletion
	return cmd
}

// testTargets returns the connections to test: the ids given, or the
// connections of the files.
func (a *app) testTargets(f *testFlags, ids []string) ([]testTarget, error) {
	m := &f.manifest
	switch {
	case len(ids) > 0 && (len(m.files) > 0 || m.id != "" || len(m.secrets) > 0):
		return nil, usagef("give connection ids or -f FILE, not both")
	case len(ids) > 0:
		out := make([]testTarget, len(ids))
		for i, id := range ids {
			out[i] = testTarget{ns: a.ns(), id: id}
		}
		return out, nil
	case len(m.files) == 0:
		return nil, usagef("give the ids of the connections to test, or -f FILE")
	}
	list, err := a.readManifest(m)
	if err != nil {
		return nil, err
	}
	out := make([]testTarget, len(list))
	for i, c := range list {
		ns, err := a.nsOf(c)
		if err != nil {
			return nil, err
		}
		out[i] = testTarget{ns: ns, id: c.ID, conn: c}
	}
	return out, nil
}

// runTests tests every target and prints the results. A test that could
// not run is reported on stderr and the others go on; the command fails
// when any test failed or could not run, with the exit code of the first.
func (a *app) runTests(ctx context.Context, f *testFlags, targets []testTarget) error {
	var cl *client.Client
	if !f.local || len(f.manifest.files) == 0 {
		var err error
		if cl, err = a.client(); err != nil {
			return err
		}
	}
	rep := reportedError{total: len(targets)}
	reports := []testReport{}
	for _, tt := range targets {
		res, err := a.testOne(ctx, cl, f, tt)
		if err == nil && !res.OK {
			err = tether.Errorf(tether.EINVALID, "connection %q: the test failed", tt.id)
		} else if err != nil && (len(targets) == 1 || !aboutItem(err)) {
			return inNamespace(err, tt.ns)
		} else if err != nil {
			fmt.Fprintln(a.env.Stderr, "Error:", terminalSafe(fmt.Sprintf("connection %q: %s", tt.id, tether.ErrorMessage(inNamespace(err, tt.ns)))))
		}
		if res != nil {
			reports = append(reports, testReport{ID: tt.id, Namespace: tt.ns, ProbeResult: res})
		}
		if err != nil {
			if rep.failed++; rep.err == nil {
				rep.err = err
			}
		}
	}
	if err := printTests(a.env.Stdout, f.output, reports); err != nil {
		return err
	}
	if rep.err != nil {
		return rep
	}
	return nil
}

// testOne runs the test of one target, on the server or here.
func (a *app) testOne(ctx context.Context, cl *client.Client, f *testFlags, tt testTarget) (*tether.ProbeResult, error) {
	switch {
	case !f.local && tt.conn == nil:
		return cl.Test(ctx, tt.ns, tt.id)
	case !f.local:
		return cl.TestSpec(ctx, tt.ns, tt.conn)
	case tt.conn == nil:
		c, err := cl.Reveal(ctx, tt.ns, tt.id)
		if err != nil {
			return nil, err
		}
		return a.testLocally(ctx, c, f.timeout)
	}
	c := tt.conn.Clone()
	c.Namespace = ""
	if err := a.types.Validate(c); err != nil {
		return nil, err
	}
	return a.testLocally(ctx, c, f.timeout)
}

// testLocally runs the test of c, with its secrets, from this machine:
// through a plain HTTP client and dialer, under timeout.
func (a *app) testLocally(ctx context.Context, c *tether.Connection, timeout time.Duration) (*tether.ProbeResult, error) {
	t := a.types.Type(c.Spec.Type)
	if t == nil || t.Probe == nil {
		return nil, tether.Errorf(tether.EINVALID, "type %s has no connection test", c.Spec.Type)
	}
	env := tether.ProbeEnv{
		HTTP: &http.Client{Timeout: timeout},
		Dial: (&net.Dialer{Timeout: timeout}).DialContext,
	}
	return probe.Run(ctx, t, c, env, probe.Options{Timeout: timeout, From: "local", Version: c.Status.Version}), nil
}

// printTests prints the results in the format: a table of ID, RESULT,
// LATENCY, FROM and MESSAGE, or the results with their ids.
func printTests(w io.Writer, format string, reports []testReport) error {
	return printOutput(w, format, reports, func(w io.Writer) error {
		t := newTable(w, "ID", "RESULT", "LATENCY", "FROM", "MESSAGE")
		for _, r := range reports {
			t.row(r.ID, testOutcome(r.OK), strconv.FormatInt(r.LatencyMS, 10)+"ms", r.From, r.Message)
		}
		return t.flush()
	})
}

// testOutcome is the word of a test's outcome.
func testOutcome(ok bool) string {
	if ok {
		return "ok"
	}
	return "failed"
}
