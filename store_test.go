package tether_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

func TestListOptionsCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts tether.ListOptions
		want string // the error's message; "" for none
	}{
		{"zero", tether.ListOptions{}, ""},
		{"paged", tether.ListOptions{Offset: 5, Limit: 10}, ""},
		{"negative offset", tether.ListOptions{Offset: -1}, "offset and limit must not be negative"},
		{"negative limit", tether.ListOptions{Limit: -1}, "offset and limit must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Check("test.List")
			checkErr(t, err, tether.EINVALID, tc.want)
		})
	}
}

func TestListOptionsDistinctTypes(t *testing.T) {
	for _, tc := range []struct {
		types []string
		want  []string
	}{
		{nil, nil},
		{[]string{"s3"}, []string{"s3"}},
		{[]string{"s3", "git", "s3", "docker", "git"}, []string{"s3", "git", "docker"}},
	} {
		got := tether.ListOptions{Types: tc.types}.DistinctTypes()
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("DistinctTypes(%q) (-want +got):\n%s", tc.types, diff)
		}
	}
}

// checkErr checks that err is nil if want is "", else a *tether.Error of
// code with the message want.
func checkErr(t *testing.T, err error, code, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("err = %v, want nil", err)
		}
		return
	}
	if got := tether.ErrorCode(err); got != code {
		t.Errorf("code = %q, want %q (err %v)", got, code, err)
	}
	if got := tether.ErrorMessage(err); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}
