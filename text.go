package tether

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextProblem is the one rule for text that people read and stores keep:
// names, ids, subjects, descriptions, and every path and query value of
// the API. It returns what is wrong with s, or "" if nothing is.
//
// Text must be valid UTF-8: PostgreSQL refuses anything else, while SQLite
// stores it, so both stores accept only what passes. It must hold no
// control character (C0, DEL or C1, NUL included): PostgreSQL refuses NUL,
// and the others rewrite a terminal's screen when printed (a carriage
// return forges a table row, an escape sequence recolours it). With max >
// 0 it must be at most max bytes long.
//
// The message never quotes s, which may be long or unprintable; the caller
// names the field.
func TextProblem(s string, max int) string {
	switch {
	case max > 0 && len(s) > max:
		return fmt.Sprintf("must be at most %d bytes long", max)
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}
