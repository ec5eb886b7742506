package tether_test

import (
	"errors"
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
