package tether

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: the HTTP layer maps each to one status and
// the CLI maps each to one exit code.
const (
	EINVALID      = "invalid"      // the request is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the resource does not exist (or is not visible)
	ECONFLICT     = "conflict"     // duplicate id or stale version
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	ETOOLARGE     = "too_large"    // the request body is over the limit
	ETHROTTLED    = "throttled"    // too many failed attempts; retry later
	EUNAVAILABLE  = "unavailable"  // a dependency is down; retrying may help
	EGONE         = "gone"         // the resource version is older than the history kept
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is the one error type of Tether. Message is safe to show to the
// caller and never contains a secret; Err holds the internal cause, which is
// logged by the adapter and never returned to a client.
type Error struct {
	Code    string // one of the E* constants
	Op      string // the operation that failed, e.g. "sqlite.CreateRecord"
	Message string // human-readable, safe to show
	Err     error  // internal cause, if any
}

// Error implements the error interface. It includes the cause for logs.
func (e *Error) Error() string {
	s := e.Message
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure. The caller sees only "internal error".
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Op: op, Message: "internal error", Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of err: the Message of its *Error, or
// "internal error" for anything else, so internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" && e.Code != EINTERNAL {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "internal error"
}
