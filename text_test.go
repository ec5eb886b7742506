package tether_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

func TestTextProblem(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 0, ""},
		{"Training data for a model — «prod», 数据", 0, ""},
		{strings.Repeat("a", 63), 63, ""},
		{strings.Repeat("a", 64), 63, "must be at most 63 bytes long"},
		{"a\xffb", 0, "must be valid UTF-8"},
		{"\x80", 0, "must be valid UTF-8"},
		{"a\x00b", 0, "must not contain control characters"},
		{"row\rforged", 0, "must not contain control characters"},
		{"two\nlines", 0, "must not contain control characters"},
		{"tab\there", 0, "must not contain control characters"},
		{"\x1b[31mred", 0, "must not contain control characters"},
		{"del\x7f", 0, "must not contain control characters"},
		{"csi\u009b2J", 0, "must not contain control characters"},
	} {
		if got := tether.TextProblem(tc.in, tc.max); got != tc.want {
			t.Errorf("TextProblem(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
