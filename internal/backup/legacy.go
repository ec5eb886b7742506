package backup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/tether-ml/tether"
)

// omittedV1 is what a version 1 backup does not carry.
var omittedV1 = []string{"namespaces", "role bindings"}

// readV1 returns the dump of a version 1 backup: key checks and tokens
// from the header, then the record lines.
func readV1(s *scanner, hd header) *tether.Dump {
	d := &tether.Dump{KeyChecks: hd.KeyChecks, RecordCount: hd.RecordCount, Records: recordsV1(s, hd),
		Omitted: omittedV1}
	for _, t := range hd.Tokens {
		d.Tokens = append(d.Tokens, t.domain())
	}
	if d.KeyChecks == nil {
		d.KeyChecks = map[string][]byte{}
	}
	return d
}

// recordsV1 yields the record lines, then checks the trailer.
func recordsV1(s *scanner, hd header) iter.Seq2[*tether.Record, error] {
	return func(yield func(*tether.Record, error) bool) {
		n := counts{}
		for {
			line, err := s.next()
			if err != nil {
				yield(nil, invalid("the backup is truncated: it ends without its trailer"))
				return
			}
			if bytes.HasPrefix(line, []byte(`{"end":`)) {
				// Version 1 counted the records only, in the header too.
				hd.RecordCount = n.Records
				if err := s.checkTrailer(line, hd, n); err != nil {
					yield(nil, err)
				}
				return
			}
			var rec record
			if err := json.Unmarshal(line, &rec); err != nil || rec.ID == "" || rec.Namespace == "" {
				yield(nil, invalid(fmt.Sprintf("record %d is malformed", n.Records+1)))
				return
			}
			n.Records++
			if !yield(rec.domain(), nil) {
				return
			}
		}
	}
}
