// Package backup writes and reads Tether backups: a whole store as
// newline-delimited JSON, still sealed, so a backup is no more secret than
// the database it came from (the key file stays apart).
//
// Version 2, written today: the first line is a header (format, version,
// counts, key checks), then one line per item, section after section:
// namespaces, role bindings, tokens (hashes only), connections (sealed as
// stored), the versions the connections' history keeps (sealed as stored;
// announced by the header, since backups written before there was a
// history lack them) and, when asked for, the audit log. The last line is a trailer
// with the count of each section and the SHA-256 of every byte before it,
// so that a truncated or altered backup is refused instead of half
// restored. Only the connections and the audit log stream; the other
// sections are small and read whole.
//
// Version 1 (header with tokens, connections, trailer) is still read: it
// carries no namespaces and no role bindings, which the dump read from it
// names in Omitted.
package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"

	"github.com/tether-ml/tether"
)

// Format and Version identify the backup format Write writes.
const (
	Format  = "tether-backup"
	Version = 2
)

// Options choose what Write adds beyond the store's content.
type Options struct {
	// Audit writes the dump's audit log too.
	Audit bool
	// Progress, if not nil, is called after each connection with the count
	// written so far and the dump's RecordCount.
	Progress func(done, total int)
}

// Write writes d as a backup to w, streaming its records and audit log.
func Write(w io.Writer, d *tether.Dump, opts Options) error {
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	e := &encoder{enc: json.NewEncoder(bw)}
	audit := opts.Audit && d.Audit != nil
	e.put(toHeader(d, audit))
	for _, n := range d.Namespaces {
		e.put(entry{Namespace: &namespace{Name: n.Name, CreatedAt: n.CreatedAt}})
		e.n.Namespaces++
	}
	for _, b := range d.RoleBindings {
		e.put(entry{RoleBinding: toRoleBinding(b)})
		e.n.RoleBindings++
	}
	for _, t := range d.Tokens {
		e.put(entry{Token: toToken(t)})
		e.n.Tokens++
	}
	if err := e.records(d, opts.Progress); err != nil {
		return err
	}
	if err := e.versions(d); err != nil {
		return err
	}
	if audit {
		if err := e.audit(d); err != nil {
			return err
		}
	}
	if e.err != nil {
		return tether.Internal("backup.Write", e.err)
	}
	return finish(bw, w, h, e.n)
}

// encoder writes lines and counts them; the first error sticks.
type encoder struct {
	enc *json.Encoder
	n   counts
	err error
}

func (e *encoder) put(v any) {
	if e.err == nil {
		e.err = e.enc.Encode(v)
	}
}

func (e *encoder) records(d *tether.Dump, progress func(done, total int)) error {
	for r, err := range d.Records {
		if err != nil {
			return err
		}
		e.put(entry{Connection: toRecord(r)})
		if e.n.Records++; progress != nil {
			progress(e.n.Records, d.RecordCount)
		}
	}
	return nil
}

// versions writes the connections' history, when the dump has one.
func (e *encoder) versions(d *tether.Dump) error {
	if d.Versions == nil {
		return nil
	}
	for v, err := range d.Versions {
		if err != nil {
			return err
		}
		e.put(entry{ConnectionVersion: toRecord(v)})
		e.n.Versions++
	}
	return nil
}

func (e *encoder) audit(d *tether.Dump) error {
	for ev, err := range d.Audit {
		if err != nil {
			return err
		}
		e.put(entry{Audit: toAudit(ev)})
		e.n.AuditEvents++
	}
	return nil
}

// finish flushes the lines, then writes the trailer, which covers them.
func finish(bw *bufio.Writer, w io.Writer, h hash.Hash, n counts) error {
	if err := bw.Flush(); err != nil {
		return tether.Internal("backup.Write", err)
	}
	t := trailer{End: true, counts: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if err := json.NewEncoder(w).Encode(t); err != nil {
		return tether.Internal("backup.Write", err)
	}
	return nil
}

func toHeader(d *tether.Dump, audit bool) header {
	return header{Format: Format, Version: Version, RecordCount: d.RecordCount, KeyChecks: d.KeyChecks,
		Namespaces: len(d.Namespaces), RoleBindings: len(d.RoleBindings), TokenCount: len(d.Tokens), Audit: audit,
		Versions: d.Versions != nil}
}
