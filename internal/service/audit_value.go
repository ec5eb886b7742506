package service

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tether-ml/tether"
)

// Bounds of the values an audit event keeps, in bytes. Ids (namespaces,
// connections) are at most 63 characters when valid; the other values are
// names, addresses and short messages.
const (
	maxAuditID     = 63
	maxAuditValue  = 256
	maxAuditDetail = 1024
)

// CutMark ends an audited value that was longer than its bound: the value
// is cut at the bound (on a character boundary) and CutMark appended.
const CutMark = "…[cut]"

// storable rewrites e so that every store can keep it and no request can
// make it large: each value is valid UTF-8 without control characters
// (PostgreSQL's text refuses NUL and invalid UTF-8, and a control
// character would reach terminals that print the log), and no longer than
// its bound. Invalid bytes and control characters become \xHH (\u00HH for
// C1 controls); the escape is for reading, not reversible.
func storable(e *tether.AuditEvent) {
	e.Subject = auditValue(e.Subject, maxAuditValue)
	e.Action = auditValue(e.Action, maxAuditValue)
	e.Namespace = auditValue(e.Namespace, maxAuditID)
	e.Connection = auditValue(e.Connection, maxAuditID)
	e.Job = auditValue(e.Job, maxAuditValue)
	e.Outcome = auditValue(e.Outcome, maxAuditValue)
	e.Remote = auditValue(e.Remote, maxAuditValue)
	e.Detail = auditValue(e.Detail, maxAuditDetail)
}

// auditValue returns s escaped and cut to max bytes (plus CutMark) as
// storable describes. It reads at most about max bytes of s, however long
// s is.
func auditValue(s string, max int) string {
	if len(s) <= max && plain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+size]
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			piece = fmt.Sprintf(`\u%04x`, r)
		}
		if b.Len()+len(piece) > max {
			return b.String() + CutMark
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// plain reports whether s is valid UTF-8 without control characters.
func plain(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}
