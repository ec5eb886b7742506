package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tether-ml/tether"
)

// Exit codes, documented in "tether --help".
const (
	exitOK          = 0
	exitInternal    = 1
	exitUsage       = 2
	exitInvalid     = 3
	exitNotFound    = 4
	exitConflict    = 5
	exitAuth        = 6
	exitUnavailable = 7
	exitThrottled   = 8
)

// exitOf maps each error code to one exit code.
var exitOf = map[string]int{
	tether.EINVALID:      exitInvalid,
	tether.ETOOLARGE:     exitInvalid,
	tether.ENOTFOUND:     exitNotFound,
	tether.ECONFLICT:     exitConflict,
	tether.EGONE:         exitConflict, // a stale resource version
	tether.EUNAUTHORIZED: exitAuth,
	tether.EFORBIDDEN:    exitAuth,
	tether.EUNAVAILABLE:  exitUnavailable,
	tether.ETHROTTLED:    exitThrottled,
	tether.EINTERNAL:     exitInternal,
}

// usageError marks a command-line mistake (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// reportedError stands for the failures of a command over several
// connections, each already printed: it keeps the exit code of the first,
// and only a count is printed for it.
type reportedError struct {
	err           error
	failed, total int
}

func (r reportedError) Error() string {
	return fmt.Sprintf("%d of %d connections failed", r.failed, r.total)
}
func (r reportedError) Unwrap() error { return r.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Usagef returns a command-line mistake, such as a bad flag value, for a
// command added to the tree from outside this package: Run prints it as it
// is and exits with code 2.
func Usagef(format string, args ...any) error { return usagef(format, args...) }

// ExitCode returns the process exit code for err.
func ExitCode(err error) int {
	var (
		u  usageError
		es exitStatus
		sf startFailure
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &es):
		return int(es)
	case errors.As(err, &sf):
		return int(sf.code)
	case errors.As(err, &u) || isCobraUsage(err):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return 130
	}
	return exitOf[tether.ErrorCode(err)]
}

// isCobraUsage recognises cobra's own argument errors, which are plain.
func isCobraUsage(err error) bool {
	var e *tether.Error
	if errors.As(err, &e) {
		return false
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.Contains(msg, "arg(s)") || strings.HasPrefix(msg, "required flag")
}

// printError writes the safe message of err to w: details of internal
// errors stay out of the terminal as they do out of API responses, except
// for usage errors, which are the user's own input. A message may quote
// what a server or a file said, so it is escaped as table cells are.
func printError(w io.Writer, err error) {
	var (
		u  usageError
		e  *tether.Error
		r  reportedError
		es exitStatus
		m  string
	)
	switch {
	case errors.As(err, &es):
		return // the command's own status: it has said what went wrong
	case errors.As(err, &r):
		m = r.Error()
	case errors.As(err, &u), !errors.As(err, &e):
		fmt.Fprintln(w, "Error:", terminalSafeLines(err.Error()))
		return
	case e.Code == tether.EUNAVAILABLE && e.Err != nil:
		m = fmt.Sprintf("%s: %v", e.Message, e.Err)
	default:
		m = tether.ErrorMessage(err)
	}
	fmt.Fprintln(w, "Error:", terminalSafe(m))
}

// terminalSafeLines is terminalSafe for a message that may span lines, such
// as cobra's "Did you mean this?" suggestions: newlines and tabs are kept.
func terminalSafeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = terminalSafe(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}
