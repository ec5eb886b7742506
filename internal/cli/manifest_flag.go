package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/manifest"
)

// manifestFlags are the flags of the commands that read connection files.
type manifestFlags struct {
	file    string
	id      string
	secrets []string
}

func (m *manifestFlags) add(cmd *cobra.Command, withSecrets bool) {
	cmd.Flags().StringVarP(&m.file, "file", "f", "", "YAML or JSON file of one or more connections (- for stdin)")
	cmd.Flags().StringVar(&m.id, "id", "", "connection id, replacing the file's (file must hold one connection)")
	if withSecrets {
		cmd.Flags().StringArrayVar(&m.secrets, "set-secret", nil,
			"set a secret field from raw bytes, base64-encoded for you: NAME=@FILE, NAME=- (stdin) or NAME=env:VAR (repeatable)")
	}
}

// read returns the connections of the file, with --id and --set-secret
// applied.
func (a *app) readManifest(m *manifestFlags) ([]*tether.Connection, error) {
	if m.file == "" {
		return nil, usagef("-f FILE is required")
	}
	if m.file == "-" && usesStdin(m.secrets) {
		return nil, usagef("-f - and --set-secret NAME=- cannot both read stdin")
	}
	data, err := a.readFile(m.file)
	if err != nil {
		return nil, err
	}
	list, err := manifest.Decode(data)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "%s: %s", m.file, tether.ErrorMessage(err))
	}
	if (m.id != "" || len(m.secrets) > 0) && len(list) != 1 {
		return nil, usagef("--id and --set-secret need a file holding one connection; %s holds %d", m.file, len(list))
	}
	if m.id != "" {
		list[0].ID = m.id
	}
	if len(m.secrets) > 0 {
		if err := a.applySecrets(list[0], m.secrets); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (a *app) readFile(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(a.env.Stdin)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", name, unwrapPathError(err))
	}
	return data, nil
}

func usesStdin(sets []string) bool {
	for _, s := range sets {
		if strings.HasSuffix(s, "=-") {
			return true
		}
	}
	return false
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// forEach runs fn with a client on every connection, printing what fn
// returns, reporting each failure on stderr and carrying on, as kubectl
// does with multi-document files. It returns the first failure, marked as
// reported so that it is not printed a second time.
func (a *app) forEach(list []*tether.Connection, fn func(*thttp.Client, *tether.Connection) (string, error)) error {
	cl, err := a.client()
	if err != nil {
		return err
	}
	rep := reportedError{total: len(list)}
	for _, c := range list {
		msg, err := fn(cl, c)
		if err != nil {
			if len(list) == 1 || !aboutItem(err) {
				return err
			}
			msg := tether.ErrorMessage(err)
			if !strings.Contains(msg, strconv.Quote(c.ID)) {
				msg = fmt.Sprintf("connection %q: %s", c.ID, msg)
			}
			fmt.Fprintln(a.env.Stderr, "Error:", terminalSafe(msg))
			if rep.failed++; rep.err == nil {
				rep.err = err
			}
			continue
		}
		fmt.Fprintln(a.env.Stdout, msg)
	}
	if rep.err != nil {
		return rep
	}
	return nil
}

// aboutItem reports whether err concerns one connection of a file, so that
// the others are still worth trying; a bad token or an unreachable server
// fails them all alike.
func aboutItem(err error) bool {
	switch tether.ErrorCode(err) {
	case tether.EUNAUTHORIZED, tether.EUNAVAILABLE, tether.EINTERNAL:
		return false
	}
	return true
}

// ns is the namespace -n names, or the default one.
func (a *app) ns() string { return firstNonEmpty(a.namespace, tether.DefaultNamespace) }

// nsOf is the namespace of a connection from a file: -n, or the manifest's
// namespace field, or the default one. -n and a different namespace in the
// manifest are a mistake, not a choice.
func (a *app) nsOf(c *tether.Connection) (string, error) {
	if a.namespace != "" && c.Namespace != "" && c.Namespace != a.namespace {
		return "", usagef("connection %q is in namespace %q in the file, but -n says %q", c.ID, c.Namespace, a.namespace)
	}
	return firstNonEmpty(a.namespace, c.Namespace, tether.DefaultNamespace), nil
}
