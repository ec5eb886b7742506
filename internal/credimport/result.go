// Package credimport reads credentials that already exist where a user
// works — a docker config.json, the AWS shared files, the AWS and Kaptain
// environment variables — into Tether connections, the way Kaptain's
// configuration providers read them, so that they can be registered once
// instead of copied by hand.
//
// It reads local files and the environment given to it, and runs the docker
// credential helpers a config names only when asked to; it makes no other
// I/O. Secret values are kept in tether.Secret fields, which redact
// themselves; no error message or skip reason of this package contains one,
// nor any part of one.
package credimport

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tether-ml/tether"
)

// Result is what an import found: the connections to create, sorted by id,
// the entries of the source that hold nothing to import (Skipped), and
// those that are wrong: malformed, of a kind no type reads, or with an id
// that cannot be made valid (Refused). An import with refused entries
// writes nothing unless told to leave them out.
type Result struct {
	Connections []*tether.Connection
	Skipped     []Skip
	Refused     []Skip
}

// Skip is an entry of the source that was not imported, and why.
type Skip struct {
	// Source names the entry, e.g. the auths key of a registry.
	Source string
	// Reason says why it was skipped; it never contains a secret.
	Reason string
}

// maxIDLen is the longest id tether.IDPattern accepts.
const maxIDLen = 63

// DeriveID returns the id prefix+name would make: name lowercased, every run
// of characters other than a-z and 0-9 replaced by one '-', leading and
// trailing '-' dropped; the whole cut to 63 characters, without a trailing
// '-'. It returns "" if that is not a valid id (tether.IDPattern).
func DeriveID(prefix, name string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			sep = false
			continue
		}
		sep = true
	}
	id := prefix + b.String()
	if len(id) > maxIDLen {
		id = strings.TrimRight(id[:maxIDLen], "-")
	}
	if !tether.IDPattern.MatchString(id) {
		return ""
	}
	return id
}

// CheckIDPrefix returns an EINVALID error unless prefix is empty or could
// start an id: lowercase letters, digits and '-', starting with a letter or
// digit, leaving room for a name.
func CheckIDPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if len(prefix) > maxIDLen-1 || !tether.IDPattern.MatchString(strings.TrimRight(prefix, "-")) {
		return tether.Errorf(tether.EINVALID, "id prefix %q: want at most %d lowercase letters, digits and '-', "+
			"starting with a letter or digit", prefix, maxIDLen-1)
	}
	return nil
}

// sortResult puts the connections in id order and the skipped entries in
// source order, so that the same source always gives the same output.
func sortResult(r *Result) {
	sort.Slice(r.Connections, func(i, j int) bool { return r.Connections[i].ID < r.Connections[j].ID })
	sort.SliceStable(r.Skipped, func(i, j int) bool { return r.Skipped[i].Source < r.Skipped[j].Source })
	sort.SliceStable(r.Refused, func(i, j int) bool { return r.Refused[i].Source < r.Refused[j].Source })
}

// skipf records a skipped entry.
func (r *Result) skipf(source, format string, args ...any) {
	r.Skipped = append(r.Skipped, Skip{Source: source, Reason: fmt.Sprintf(format, args...)})
}

// refuse records a refused entry; the reason is err's message, which is
// safe to show.
func (r *Result) refuse(source string, err error) {
	r.Refused = append(r.Refused, Skip{Source: source, Reason: tether.ErrorMessage(err)})
}
