package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/tether-ml/tether"
)

// maxLine bounds one line of a backup; a record is far smaller.
const maxLine = 16 << 20

// Read parses the backup in r up to its connections and returns it as a
// dump whose Records (then Audit, when the backup holds the audit log)
// stream the rest. The sequences end with an EINVALID error if the backup
// is truncated, altered, out of order or holds a malformed line; the
// trailer is checked when the last sequence ends, so a restore that
// consumes the dump inside one transaction then writes nothing. A version
// 1 backup is read too; see the package documentation.
func Read(r io.Reader) (*tether.Dump, error) {
	s := &scanner{br: bufio.NewReaderSize(r, 64<<10), h: sha256.New()}
	line, err := s.next()
	if err != nil {
		return nil, invalid("the file is empty or not a Tether backup")
	}
	var hd header
	if err := json.Unmarshal(line, &hd); err != nil || hd.Format != Format {
		return nil, invalid("the file is not a Tether backup")
	}
	switch hd.Version {
	case 1:
		return readV1(s, hd), nil
	case Version:
		return readV2(s, hd)
	}
	return nil, invalid(fmt.Sprintf("backup format version %d is not supported by this tether (1 to %d)", hd.Version, Version))
}

// scanner reads the lines of a backup, hashing them. sum is the checksum
// of every byte before the last line read: the one a trailer states.
type scanner struct {
	br    *bufio.Reader
	h     hash.Hash
	sum   string
	lines int
}

// next reads one line and adds it to the hash.
func (s *scanner) next() ([]byte, error) {
	s.sum = hex.EncodeToString(s.h.Sum(nil))
	var buf []byte
	for {
		chunk, err := s.br.ReadSlice('\n')
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
		s.h.Write(buf)
		s.lines++
		return buf, nil
	}
}

// checkTrailer checks the trailer line against what was read (n) and the
// header's counts, and that nothing follows it.
func (s *scanner) checkTrailer(line []byte, hd header, n counts) error {
	var t trailer
	switch {
	case json.Unmarshal(line, &t) != nil || !t.End:
		return invalid("the backup's trailer is malformed")
	case t.counts != n:
		return invalid(fmt.Sprintf("the backup holds %s but its trailer says %s", n, t.counts))
	case hd.RecordCount != n.Records:
		return invalid(fmt.Sprintf("the backup holds %d connections but its header says %d", n.Records, hd.RecordCount))
	case t.SHA256 != s.sum:
		return invalid("the backup's checksum does not match: the file was altered or damaged")
	}
	if _, err := s.br.ReadByte(); err != io.EOF {
		return invalid("the backup goes on after its trailer")
	}
	return nil
}

// String names the counts for a message.
func (n counts) String() string {
	return fmt.Sprintf("%d connections, %d connection versions, %d namespaces, %d role bindings, %d tokens and %d audit events",
		n.Records, n.Versions, n.Namespaces, n.RoleBindings, n.Tokens, n.AuditEvents)
}

func invalid(msg string) error { return tether.Errorf(tether.EINVALID, "%s", msg) }
