package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/tether-ml/tether"
)

// secretSource reads the value of one --set-secret NAME=SOURCE; "-" on a
// terminal prompts without echo. Values are never accepted on the command
// line itself, where they would land in shell history and process listings.
func (a *app) secretSource(name, src string) (string, error) {
	switch {
	case src == "-" && isTerminal(a.env.Stdin):
		fmt.Fprintf(a.env.Stderr, "%s: ", name)
		raw, err := term.ReadPassword(int(a.env.Stdin.(*os.File).Fd()))
		fmt.Fprintln(a.env.Stderr)
		if err != nil {
			return "", usagef("cannot read the secret from the terminal: %v", err)
		}
		return string(raw), nil
	case src == "-":
		raw, err := io.ReadAll(a.env.Stdin)
		if err != nil {
			return "", usagef("cannot read the secret from stdin: %v", err)
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r"), nil
	case strings.HasPrefix(src, "@"):
		raw, err := os.ReadFile(src[1:])
		if err != nil {
			return "", usagef("cannot read the secret file: %v", err)
		}
		return string(raw), nil
	case strings.HasPrefix(src, "env:"):
		v := a.env.Getenv(src[4:])
		if v == "" {
			return "", usagef("environment variable %s is empty or unset", src[4:])
		}
		return v, nil
	}
	return "", usagef("--set-secret takes NAME=@FILE, NAME=- (stdin) or NAME=env:VAR; secret values are never given on the command line")
}

// applySecrets sets each --set-secret NAME=SOURCE on c, base64-encoding the
// raw value when the type's schema says the field is base64 on the wire.
// NAME is a secret field (password, keyID, keySecret) or a secret
// parameter (sessionToken, or parameters.sessionToken).
func (a *app) applySecrets(c *tether.Connection, sets []string) error {
	t := a.types.Type(c.Spec.Type)
	if t == nil && len(sets) > 0 {
		return tether.Errorf(tether.EINVALID, "spec.type: unknown connection type %q", c.Spec.Type)
	}
	for _, s := range sets {
		name, src, ok := strings.Cut(s, "=")
		if !ok {
			return usagef("--set-secret %q: want NAME=SOURCE", name)
		}
		set, b64, err := secretTarget(c, t, name)
		if err != nil {
			return err
		}
		v, err := a.secretSource(name, src)
		if err != nil {
			return err
		}
		if b64 {
			v = base64.StdEncoding.EncodeToString([]byte(v))
		}
		set(v)
	}
	return nil
}

// secretTarget finds where a --set-secret name goes, from the type's schema.
func secretTarget(c *tether.Connection, t *tether.ConnectionType, name string) (func(string), bool, error) {
	if f := t.Field(name); f != nil && f.Secret {
		return func(v string) { *c.Spec.Field(name) = v }, f.Base64, nil
	}
	pname := strings.TrimPrefix(name, "parameters.")
	setParam := func(v string) {
		if c.Spec.Parameters == nil {
			c.Spec.Parameters = tether.Params{}
		}
		c.Spec.Parameters[pname] = v
	}
	if p := t.Parameter(pname); p != nil && p.Secret {
		return setParam, p.Base64, nil
	}
	if t.FreeParameters && t.Parameter(pname) == nil && pname != "" {
		// A free-form parameter set as a secret is declared secret too, so
		// that it is sealed and masked.
		return func(v string) {
			setParam(v)
			if !slices.Contains(c.Spec.SecretKeys, pname) {
				c.Spec.SecretKeys = append(c.Spec.SecretKeys, pname)
			}
		}, false, nil
	}
	return nil, false, usagef("--set-secret %s: not a secret field of type %s (secret: %s)", name, t.Name, strings.Join(secretNames(t), ", "))
}

func secretNames(t *tether.ConnectionType) []string {
	var names []string
	for _, f := range t.Fields {
		if f.Secret {
			names = append(names, f.Name)
		}
	}
	for _, p := range t.Parameters {
		if p.Secret {
			names = append(names, fmt.Sprintf("parameters.%s", p.Name))
		}
	}
	if t.FreeParameters {
		names = append(names, "parameters.NAME")
	}
	return names
}

// isTerminal reports whether r is a terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
