package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
)

// importPlan is what an import will do: each connection, and the version
// of the existing one of its id, if any (0: none).
type importPlan struct {
	mode     string
	list     []*tether.Connection
	existing map[string]*tether.Connection
}

// planImport reads which ids of list exist.
func (a *app) planImport(ctx context.Context, cl *client.Client, list []*tether.Connection, mode string) (*importPlan, error) {
	p := &importPlan{mode: mode, list: list, existing: map[string]*tether.Connection{}}
	for _, c := range list {
		old, err := cl.Get(ctx, a.ns(), c.ID)
		switch tether.ErrorCode(err) {
		case "":
			p.existing[c.ID] = old
		case tether.ENOTFOUND:
		default:
			return nil, err
		}
	}
	return p, nil
}

// action says what the import does with c.
func (p *importPlan) action(c *tether.Connection) string {
	if p.existing[c.ID] == nil {
		return "create"
	}
	switch p.mode {
	case onExistingSkip:
		return "leave (exists)"
	case onExistingOverwrite:
		return "overwrite"
	}
	return "fail (exists)"
}

// conflict is the ECONFLICT error of --on-existing fail when an id exists.
func (p *importPlan) conflict(mode string, dryRun bool) error {
	if mode != onExistingFail {
		return nil
	}
	var ids []string
	for _, c := range p.list {
		if p.existing[c.ID] != nil {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	verb := "was"
	if dryRun {
		verb = "would be"
	}
	return tether.Errorf(tether.ECONFLICT, "connections exist already: %s; nothing %s created "+
		"(--on-existing skip creates the others, --on-existing overwrite replaces them)", strings.Join(ids, ", "), verb)
}

// printImportPlan prints the connections as a table: id, type, uri, what
// happens to each, and the fields and parameters each sets, secrets as
// tether.Mask.
func (a *app) printImportPlan(p *importPlan) error {
	t := newTable(a.env.Stdout, "ID", "TYPE", "URI", "ACTION", "DETAILS")
	for _, c := range p.list {
		t.row(c.ID, c.Spec.Type, c.Spec.URI, p.action(c), a.importDetails(c))
	}
	return t.flush()
}

// writeImport creates or overwrites every connection of the plan,
// printing a line for each. An id created by someone else since the plan
// was made is left with --on-existing skip and fails otherwise; an
// overwrite of a connection changed since it was read fails (ECONFLICT)
// and stops the import, naming what was written before it.
func (a *app) writeImport(ctx context.Context, cl *client.Client, p *importPlan) error {
	var done []string
	for _, c := range p.list {
		old := p.existing[c.ID]
		var err error
		switch {
		case old != nil && p.mode == onExistingSkip:
			fmt.Fprintf(a.env.Stdout, "connection %q exists, left unchanged\n", c.ID)
			continue
		case old != nil:
			err = a.overwrite(ctx, cl, c, old)
		default:
			_, err = cl.Create(ctx, a.ns(), c)
			if p.mode == onExistingSkip && tether.ErrorCode(err) == tether.ECONFLICT {
				fmt.Fprintf(a.env.Stdout, "connection %q exists, left unchanged\n", c.ID)
				continue
			}
		}
		if err != nil {
			return partialImport(err, done)
		}
		done = append(done, c.ID)
		verb := map[bool]string{true: "overwritten", false: "created"}[old != nil]
		fmt.Fprintf(a.env.Stdout, "connection %q %s\n", c.ID, verb)
	}
	return nil
}

// overwrite replaces old with c in one update at old's version, so that a
// change made since old was read is not lost. A vital connection stays
// vital: clearing the flag is for conn edit --force.
func (a *app) overwrite(ctx context.Context, cl *client.Client, c, old *tether.Connection) error {
	n := c.Clone()
	n.Spec.Vital = c.Spec.Vital || old.Spec.Vital
	_, err := cl.Update(ctx, a.ns(), n, tether.UpdateOptions{Version: old.Status.Version})
	return err
}

// partialImport adds to err which connections were written before it.
func partialImport(err error, done []string) error {
	if len(done) == 0 {
		return err
	}
	return &tether.Error{Code: tether.ErrorCode(err), Message: tether.ErrorMessage(err) +
		"; written before it: " + strings.Join(done, ", "), Err: err}
}
