package backup

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"

	"github.com/tether-ml/tether"
)

// maxLine bounds one line of a backup; a record is far smaller.
const maxLine = 16 << 20

// Read parses the header of the backup in r and returns it as a dump whose
// Records stream the rest. The sequence ends with an EINVALID error if the
// backup is truncated, altered, or holds a malformed line: a restore that
// consumes it inside one transaction then writes nothing.
func Read(r io.Reader) (*tether.Dump, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	h := sha256.New()
	line, err := readLine(br, h)
	if err != nil {
		return nil, invalid("the file is empty or not a Tether backup")
	}
	var hd header
	if err := json.Unmarshal(line, &hd); err != nil || hd.Format != Format {
		return nil, invalid("the file is not a Tether backup")
	}
	if hd.Version != Version {
		return nil, invalid(fmt.Sprintf("backup format version %d is not supported by this tether (%d)", hd.Version, Version))
	}
	d := &tether.Dump{KeyChecks: hd.KeyChecks, RecordCount: hd.RecordCount, Records: records(br, h)}
	for _, t := range hd.Tokens {
		d.Tokens = append(d.Tokens, &tether.Token{ID: t.ID, Hash: t.Hash, Subject: t.Subject, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
	}
	if d.KeyChecks == nil {
		d.KeyChecks = map[string][]byte{}
	}
	return d, nil
}

// records yields the record lines, then checks the trailer.
func records(br *bufio.Reader, h hash.Hash) iter.Seq2[*tether.Record, error] {
	return func(yield func(*tether.Record, error) bool) {
		for n := 1; ; n++ {
			sum := hex.EncodeToString(h.Sum(nil))
			line, err := readLine(br, h)
			if err != nil {
				yield(nil, invalid("the backup is truncated: it ends without its trailer"))
				return
			}
			if bytes.HasPrefix(line, []byte(`{"end":`)) {
				if err := checkTrailer(line, n-1, sum); err != nil {
					yield(nil, err)
				}
				return
			}
			var rec record
			if err := json.Unmarshal(line, &rec); err != nil || rec.ID == "" || rec.Namespace == "" {
				yield(nil, invalid(fmt.Sprintf("record %d is malformed", n)))
				return
			}
			if !yield(fromRecord(rec), nil) {
				return
			}
		}
	}
}

func checkTrailer(line []byte, n int, sum string) error {
	var t trailer
	switch {
	case json.Unmarshal(line, &t) != nil || !t.End:
		return invalid("the backup's trailer is malformed")
	case t.Records != n:
		return invalid(fmt.Sprintf("the backup holds %d records but its trailer says %d", n, t.Records))
	case t.SHA256 != sum:
		return invalid("the backup's checksum does not match: the file was altered or damaged")
	}
	return nil
}

// readLine reads one line and adds it to h.
func readLine(br *bufio.Reader, h hash.Hash) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxLine {
			return nil, invalid("a line of the backup is too long")
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		h.Write(buf)
		return buf, nil
	}
}

func fromRecord(r record) *tether.Record {
	return &tether.Record{Namespace: r.Namespace, ID: r.ID, Type: r.Type, Vital: r.Vital, Spec: []byte(r.Spec),
		Sealed: r.Sealed, KeyID: r.KeyID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func invalid(msg string) error { return tether.Errorf(tether.EINVALID, "%s", msg) }
