// Package backup writes and reads Tether backups: a whole store as
// newline-delimited JSON, still sealed, so a backup is no more secret than
// the database it came from (the key file stays apart).
//
// The first line is a header (format, version, record count, key checks,
// tokens), then one line per record, then a trailer with the record count
// and the SHA-256 of every byte before it, so that a truncated or altered
// backup is refused instead of half restored.
package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"time"

	"github.com/tether-ml/tether"
)

// Format and Version identify the backup format.
const (
	Format  = "tether-backup"
	Version = 1
)

// header is the first line of a backup.
type header struct {
	Format      string            `json:"format"`
	Version     int               `json:"version"`
	RecordCount int               `json:"recordCount"`
	KeyChecks   map[string][]byte `json:"keyChecks"`
	Tokens      []token           `json:"tokens"`
}

type token struct {
	ID        string     `json:"id"`
	Hash      []byte     `json:"hash"`
	Subject   string     `json:"subject"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// record is one record line. Spec is the stored JSON, kept verbatim.
type record struct {
	Namespace string          `json:"namespace"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Vital     bool            `json:"vital,omitempty"`
	Spec      json.RawMessage `json:"spec"`
	Sealed    []byte          `json:"sealed,omitempty"`
	KeyID     string          `json:"keyID,omitempty"`
	Version   int64           `json:"version"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// trailer is the last line.
type trailer struct {
	End     bool   `json:"end"`
	Records int    `json:"records"`
	SHA256  string `json:"sha256"`
}

// Write writes d as a backup to w, calling progress (if not nil) after each
// record with the count written so far and d.RecordCount.
func Write(w io.Writer, d *tether.Dump, progress func(done, total int)) error {
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	enc := json.NewEncoder(bw)
	if err := enc.Encode(toHeader(d)); err != nil {
		return tether.Internal("backup.Write", err)
	}
	n := 0
	for r, err := range d.Records {
		if err != nil {
			return err
		}
		if err := enc.Encode(toRecord(r)); err != nil {
			return tether.Internal("backup.Write", err)
		}
		if n++; progress != nil {
			progress(n, d.RecordCount)
		}
	}
	return finish(bw, w, h, n)
}

// finish flushes the records, then writes the trailer, which covers them.
func finish(bw *bufio.Writer, w io.Writer, h hash.Hash, n int) error {
	if err := bw.Flush(); err != nil {
		return tether.Internal("backup.Write", err)
	}
	t := trailer{End: true, Records: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if err := json.NewEncoder(w).Encode(t); err != nil {
		return tether.Internal("backup.Write", err)
	}
	return nil
}

func toHeader(d *tether.Dump) header {
	h := header{Format: Format, Version: Version, RecordCount: d.RecordCount, KeyChecks: d.KeyChecks, Tokens: []token{}}
	for _, t := range d.Tokens {
		h.Tokens = append(h.Tokens, token{ID: t.ID, Hash: t.Hash, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
	}
	return h
}

func toRecord(r *tether.Record) record {
	return record{Namespace: r.Namespace, ID: r.ID, Type: r.Type, Vital: r.Vital, Spec: r.Spec, Sealed: r.Sealed,
		KeyID: r.KeyID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
