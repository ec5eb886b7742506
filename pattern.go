package tether

import (
	"regexp"
	"sync"
)

// Pattern is a regular expression compiled on first use. Bounded
// repetitions such as {1,253} compile into large programs: compiling them
// when the package loads cost every CLI run milliseconds, whether or not
// the run checked a name.
type Pattern struct {
	expr string
	re   func() *regexp.Regexp
}

// NewPattern returns the Pattern of expr, which must compile.
func NewPattern(expr string) *Pattern {
	return &Pattern{expr: expr, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// MatchString reports whether s matches the pattern.
func (p *Pattern) MatchString(s string) bool { return p.re().MatchString(s) }

// String returns the expression.
func (p *Pattern) String() string { return p.expr }

// Regexp returns the compiled expression, for the methods Pattern does
// not repeat.
func (p *Pattern) Regexp() *regexp.Regexp { return p.re() }
