package backup

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tether-ml/tether"
)

// Sections of a version 2 backup, in the order they must come.
const (
	secNamespaces = iota
	secRoleBindings
	secTokens
	secConnections
	secVersions
	secAudit
)

var sectionNames = []string{"namespaces", "role bindings", "tokens", "connections", "connection history", "audit log"}

// section returns which section e belongs to, or -1 unless exactly one of
// its fields is set.
func (e *entry) section() int {
	found := -1
	for i, set := range []bool{e.Namespace != nil, e.RoleBinding != nil, e.Token != nil, e.Connection != nil,
		e.ConnectionVersion != nil, e.Audit != nil} {
		if set && found >= 0 {
			return -1
		}
		if set {
			found = i
		}
	}
	return found
}

// stream reads the lines of a version 2 backup after its header.
type stream struct {
	s       *scanner
	hd      header
	n       counts
	names   map[string]bool // the namespaces of the backup
	stage   int             // the section of the last line read
	ahead   *entry          // a line read but not yet taken
	end     []byte          // the trailer, once read
	started [3]bool         // Records, Versions, Audit have been iterated
}

// readV2 reads the small sections whole and returns a dump streaming the
// rest.
func readV2(s *scanner, hd header) (*tether.Dump, error) {
	st := &stream{s: s, hd: hd, names: map[string]bool{}}
	d := &tether.Dump{KeyChecks: hd.KeyChecks, RecordCount: hd.RecordCount, Records: st.records}
	if d.KeyChecks == nil {
		d.KeyChecks = map[string][]byte{}
	}
	if hd.Versions {
		d.Versions = st.versions
	}
	if hd.Audit {
		d.Audit = st.audit
	}
	for {
		e, err := st.read()
		if err != nil {
			return nil, err
		}
		if e == nil || e.section() >= secConnections {
			st.ahead = e
			break
		}
		if err := st.add(d, e); err != nil {
			return nil, err
		}
	}
	if st.n.Namespaces != hd.Namespaces || st.n.RoleBindings != hd.RoleBindings || st.n.Tokens != hd.TokenCount {
		return nil, invalid(fmt.Sprintf("the backup holds %s but its header says %d namespaces, %d role bindings and %d tokens",
			st.n, hd.Namespaces, hd.RoleBindings, hd.TokenCount))
	}
	return d, nil
}

// read returns the next line, or nil at the trailer. A line out of its
// section's order is an error.
func (st *stream) read() (*entry, error) {
	if e := st.ahead; e != nil {
		st.ahead = nil
		return e, nil
	}
	if st.end != nil {
		return nil, nil
	}
	line, err := st.s.next()
	if err != nil {
		return nil, invalid("the backup is truncated: it ends without its trailer")
	}
	if bytes.HasPrefix(line, []byte(`{"end":`)) {
		st.end = line
		return nil, nil
	}
	var e entry
	if json.Unmarshal(line, &e) != nil || e.section() < 0 {
		return nil, invalid(fmt.Sprintf("line %d of the backup is malformed", st.s.lines))
	}
	if sec := e.section(); sec < st.stage {
		return nil, invalid(fmt.Sprintf("line %d of the backup is out of order: %s after %s", st.s.lines, sectionNames[sec], sectionNames[st.stage]))
	} else if sec == secVersions && !st.hd.Versions {
		return nil, invalid(fmt.Sprintf("line %d of the backup is a connection version, which its header does not announce", st.s.lines))
	} else if sec == secAudit && !st.hd.Audit {
		return nil, invalid(fmt.Sprintf("line %d of the backup is an audit event, which its header does not announce", st.s.lines))
	} else {
		st.stage = sec
	}
	return &e, nil
}

// add checks one line of the small sections and adds it to d.
func (st *stream) add(d *tether.Dump, e *entry) error {
	if err := st.check(e); err != nil {
		return err
	}
	switch {
	case e.Namespace != nil:
		st.names[e.Namespace.Name] = true
		d.Namespaces = append(d.Namespaces, &tether.Namespace{Name: e.Namespace.Name, CreatedAt: e.Namespace.CreatedAt})
		st.n.Namespaces++
	case e.RoleBinding != nil:
		d.RoleBindings = append(d.RoleBindings, e.RoleBinding.domain())
		st.n.RoleBindings++
	default:
		d.Tokens = append(d.Tokens, e.Token.domain())
		st.n.Tokens++
	}
	return nil
}

// records yields the connections, once; it checks the trailer when the
// backup holds no audit log.
func (st *stream) records(yield func(*tether.Record, error) bool) {
	if err := st.start(0); err != nil {
		yield(nil, err)
		return
	}
	for {
		e, err := st.read()
		switch {
		case err != nil:
		case e == nil && (st.hd.Audit || st.hd.Versions):
			return // an empty section after: its reader checks the trailer
		case e == nil:
			err = st.s.checkTrailer(st.end, st.hd, st.n)
		case e.Connection == nil:
			st.ahead = e // the history's or the audit log's
			return
		default:
			err = st.check(e)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		if e == nil {
			return
		}
		st.n.Records++
		if !yield(e.Connection.domain(), nil) {
			return
		}
	}
}

// versions yields the connections' versions, once, after the records;
// it checks the trailer when the backup holds no audit log.
func (st *stream) versions(yield func(*tether.Record, error) bool) {
	if err := st.start(1); err != nil {
		yield(nil, err)
		return
	}
	for {
		e, err := st.read()
		switch {
		case err != nil:
		case e == nil && st.hd.Audit:
			return // an empty audit log: Audit checks the trailer
		case e == nil:
			err = st.s.checkTrailer(st.end, st.hd, st.n)
		case e.ConnectionVersion == nil:
			st.ahead = e // the audit log: Audit's
			return
		default:
			err = st.check(e)
		}
		if err != nil || e == nil {
			if err != nil {
				yield(nil, err)
			}
			return
		}
		st.n.Versions++
		if !yield(e.ConnectionVersion.domain(), nil) {
			return
		}
	}
}

// audit yields the audit events, once, after the records (and the
// history, when the backup holds it), then checks the trailer.
func (st *stream) audit(yield func(*tether.AuditEvent, error) bool) {
	if err := st.start(2); err != nil {
		yield(nil, err)
		return
	}
	for {
		e, err := st.read()
		switch {
		case err != nil:
		case e == nil:
			err = st.s.checkTrailer(st.end, st.hd, st.n)
		case e.Audit == nil:
			err = tether.Errorf(tether.EINVALID, "the audit log of a backup is read after all of its connections")
		default:
			err = st.check(e)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		if e == nil {
			return
		}
		st.n.AuditEvents++
		if !yield(e.Audit.domain(), nil) {
			return
		}
	}
}

// start marks sequence i (0 records, 1 versions, 2 audit) as iterated,
// refusing a second iteration, and a history or an audit log read before
// what comes before it.
func (st *stream) start(i int) error {
	switch {
	case st.started[i]:
		return tether.Errorf(tether.EINVALID, "the %s of a backup can be read once", sectionNames[secConnections+i])
	case i > 0 && !st.started[0]:
		return tether.Errorf(tether.EINVALID, "the %s of a backup is read after its connections", sectionNames[secConnections+i])
	case i == 2 && st.hd.Versions && !st.started[1]:
		return tether.Errorf(tether.EINVALID, "the audit log of a backup is read after its connection history")
	}
	st.started[i] = true
	return nil
}
