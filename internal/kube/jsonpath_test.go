package kube_test

import (
	"bytes"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

func TestPrintJSONPath(t *testing.T) {
	list := []*tether.Connection{
		{ID: "a", Spec: tether.ConnectionSpec{Type: "git", Reference: "master"}},
		{ID: "b", Spec: tether.ConnectionSpec{Type: "s3", URI: "s3://b"}},
	}
	cases := []struct{ expr, want string }{
		{"[*].spec.reference", "master\n"},   // odahuflowctl's form
		{"{[*].spec.reference}", "master\n"}, // kubectl's form
		{"{[*].id}", "a b\n"},
		{`{range [*]}{.id}={.spec.type}{"\n"}{end}`, "a=git\nb=s3\n"},
		{"{[1].spec.uri}", "s3://b\n"},
		{"{[*].spec.missing}", ""},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := kube.PrintJSONPath(&buf, c.expr, list); err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if buf.String() != c.want {
			t.Errorf("%s = %q, want %q", c.expr, buf.String(), c.want)
		}
	}
	if err := kube.PrintJSONPath(&bytes.Buffer{}, "{[*", list); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("bad expression: %v", err)
	}
}
