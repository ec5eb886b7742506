package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/tether-ml/tether"
)

// watchEvent is what "conn get --watch -o json" prints per event: one
// line, as a Kubernetes watch event.
type watchEvent struct {
	Type            string             `json:"type"`
	ResourceVersion string             `json:"resourceVersion"`
	Object          *tether.Connection `json:"object"`
}

// watchSelection is which events "conn get --watch" prints.
type watchSelection struct {
	ids, types []string // none: every connection, every type
}

func (s watchSelection) has(c *tether.Connection) bool {
	return (len(s.ids) == 0 || slices.Contains(s.ids, c.ID)) &&
		(len(s.types) == 0 || slices.Contains(s.types, c.Spec.Type))
}

// checkWatchOutput returns the output of a watch: table unless -o json.
func checkWatchOutput(output string, given, decrypted bool) (string, error) {
	switch {
	case decrypted:
		return "", usagef("--watch prints masked connections: it cannot be given with --decrypted")
	case !given:
		return "table", nil
	case output != "table" && output != "json":
		return "", usagef("--watch prints a table or JSON lines: use -o table or -o json")
	}
	return output, nil
}

// watchConnections prints the connections of ns, then their changes as they
// happen, as kubectl get --watch does, until ctx is done (Ctrl-C), which
// ends it without error. A stream that breaks is resumed from the last
// version printed, so nothing is missed; EGONE if that is too old.
func (a *app) watchConnections(ctx context.Context, w io.Writer, ns, output string, sel watchSelection) error {
	cl, err := a.client()
	if err != nil {
		return err
	}
	show := watchPrinter(w, output)
	opts := tether.WatchOptions{}
	for {
		err := cl.Watch(ctx, ns, opts, func(e tether.WatchEvent) error {
			opts = tether.WatchOptions{Resume: true, ResourceVersion: e.ResourceVersion}
			if e.Connection == nil || !sel.has(e.Connection) {
				return nil
			}
			return show(e)
		})
		if ctx.Err() != nil {
			return nil
		}
		if tether.ErrorCode(err) != tether.EUNAVAILABLE || !opts.Resume {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// watchPrinter returns the function that prints one event: a table row
// under a header printed once, or a JSON line.
func watchPrinter(w io.Writer, output string) func(tether.WatchEvent) error {
	if output == "json" {
		enc := json.NewEncoder(w)
		return func(e tether.WatchEvent) error {
			return enc.Encode(watchEvent{Type: e.Type, ResourceVersion: fmt.Sprint(e.ResourceVersion), Object: e.Connection})
		}
	}
	t := &table{tw: tabwriter.NewWriter(w, 10, 4, 2, ' ', 0)}
	header := true
	return func(e tether.WatchEvent) error {
		if header {
			t.row("EVENT", "ID", "TYPE", "URI", "VITAL", "DESCRIPTION")
			header = false
		}
		c := e.Connection
		t.row(e.Type, c.ID, c.Spec.Type, c.Spec.URI, fmt.Sprint(c.Spec.Vital), c.Spec.Description)
		return t.flush()
	}
}
