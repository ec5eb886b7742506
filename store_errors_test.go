package tether_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// TestStoreErrors pins the code, operation and message of the errors both
// stores return, which callers and the conformance suite see.
func TestStoreErrors(t *testing.T) {
	const op = "test.Op"
	for _, tc := range []struct {
		err  error
		code string
		want string
	}{
		{tether.ConnectionExists(op, "c1"), tether.ECONFLICT, `connection "c1" already exists`},
		{tether.ConnectionChanged(op, "c1", 4), tether.ECONFLICT,
			`connection "c1" was changed by someone else since version 4; read it again and retry`},
		{tether.VitalUndeletable(op, "c1"), tether.EINVALID, `connection "c1" is vital and cannot be deleted`},
		{tether.NamespaceExists(op, "team"), tether.ECONFLICT, `namespace "team" already exists`},
		{tether.TokenExists(op), tether.ECONFLICT, "token already exists"},
		{tether.TokenNotFound(op, "t1"), tether.ENOTFOUND, `token "t1" not found`},
		{tether.TokenHashNotFound(op), tether.ENOTFOUND, "token not found"},
		{tether.RoleBindingNotFound(op, "b1"), tether.ENOTFOUND, `role binding "b1" not found`},
	} {
		checkErr(t, tc.err, tc.code, tc.want)
		var e *tether.Error
		if !errors.As(tc.err, &e) || e.Op != op {
			t.Errorf("%v: op is not %q", tc.err, op)
		}
	}
}

func TestStoreFailure(t *testing.T) {
	const op = "test.Op"
	cause := errors.New("disk I/O error")
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		err      error
		wantNil  bool
		wantIs   error  // errors.Is must hold
		wantCode string // ErrorCode of the result
	}{
		{"nil", context.Background(), nil, true, nil, ""},
		{"the context is done", done, cause, false, context.Canceled, tether.EINTERNAL},
		{"the driver saw a deadline", context.Background(), fmt.Errorf("read: %w", context.DeadlineExceeded),
			false, context.DeadlineExceeded, tether.EINTERNAL},
		{"anything else", context.Background(), cause, false, cause, tether.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tether.StoreFailure(tc.ctx, op, tc.err)
			if (err == nil) != tc.wantNil {
				t.Fatalf("err = %v, want nil %v", err, tc.wantNil)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v, not %v", err, tc.wantIs)
			}
			if got := tether.ErrorCode(err); got != tc.wantCode {
				t.Errorf("code = %q, want %q", got, tc.wantCode)
			}
			if msg := tether.ErrorMessage(err); strings.Contains(msg, "disk") {
				t.Errorf("message %q shows the cause", msg)
			}
			if !strings.HasPrefix(err.Error(), op) {
				t.Errorf("err = %q, does not name %s", err, op)
			}
		})
	}
}
