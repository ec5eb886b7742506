package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/manifest"
)

// manifestFlags are the flags of the commands that read connection files.
type manifestFlags struct {
	files   []string
	id      string
	secrets []string
}

func (m *manifestFlags) add(cmd *cobra.Command, withSecrets bool) {
	cmd.Flags().StringArrayVarP(&m.files, "file", "f", nil,
		"YAML or JSON file of one or more connections, or a directory of *.yaml, *.yml and *.json files (- for stdin; repeatable)")
	cmd.Flags().StringVar(&m.id, "id", "", "connection id, replacing the file's (the files must hold one connection)")
	if withSecrets {
		cmd.Flags().StringArrayVar(&m.secrets, "set-secret", nil,
			"set a secret field from raw bytes, base64-encoded for you: NAME=@FILE, NAME=- (stdin) or NAME=env:VAR (repeatable)")
	}
}

// read returns the connections of the file, with --id and --set-secret
// applied.
func (a *app) readManifest(m *manifestFlags) ([]*tether.Connection, error) {
	if len(m.files) == 0 {
		return nil, usagef("-f FILE is required")
	}
	files, err := manifest.Files(m.files)
	if err != nil {
		return nil, err
	}
	if slices.Contains(files, manifest.Stdin) && usesStdin(m.secrets) {
		return nil, usagef("-f - and --set-secret NAME=- cannot both read stdin")
	}
	var list []*tether.Connection
	for _, f := range files {
		data, err := a.readFile(f)
		if err != nil {
			return nil, err
		}
		conns, err := manifest.Decode(data)
		if err != nil {
			return nil, tether.Errorf(tether.EINVALID, "%s: %s", f, tether.ErrorMessage(err))
		}
		list = append(list, conns...)
	}
	if (m.id != "" || len(m.secrets) > 0) && len(list) != 1 {
		return nil, usagef("--id and --set-secret need files holding one connection; %s hold %d", strings.Join(files, ", "), len(list))
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
func (a *app) forEach(list []*tether.Connection, fn func(*client.Client, *tether.Connection) (string, error)) error {
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

// inNamespace makes a not-found error name the namespace the connection
// was looked for in, when the server's message does not already.
func inNamespace(err error, ns string) error {
	if tether.ErrorCode(err) != tether.ENOTFOUND {
		return err
	}
	msg := tether.ErrorMessage(err)
	if strings.Contains(msg, strconv.Quote(ns)) {
		return err
	}
	return tether.Errorf(tether.ENOTFOUND, "%s in namespace %q", msg, ns)
}

// ns is the namespace -n names, or the context's, or the default one.
func (a *app) ns() string {
	return firstNonEmpty(a.namespace, a.contextNamespace(), tether.DefaultNamespace)
}

// nsOf is the namespace of a connection from a file: -n, or the manifest's
// namespace field, or the context's, or the default one. -n and a different namespace in the
// manifest are a mistake, not a choice.
func (a *app) nsOf(c *tether.Connection) (string, error) {
	if a.namespace != "" && c.Namespace != "" && c.Namespace != a.namespace {
		return "", usagef("connection %q is in namespace %q in the file, but -n says %q", c.ID, c.Namespace, a.namespace)
	}
	return firstNonEmpty(a.namespace, c.Namespace, a.contextNamespace(), tether.DefaultNamespace), nil
}
