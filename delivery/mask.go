package delivery

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/tether-ml/tether"
)

// Mask is what masked output shows in place of a secret.
const Mask = tether.Mask

// minLineMask is the shortest line of a multi-line secret (a private key,
// a JSON key file) that is masked on its own, for output that prints such
// a secret line by line.
const minLineMask = 8

// MaskValues returns every value a job's masked output must hide: each
// secret field and secret parameter of conns (revealed), decoded, each
// line of a multi-line one, the derived values of their rendering, and the
// standard (the form they are posted in), URL-safe and unpadded base64 and
// the URL query and path encodings of all of these.
func MaskValues(types tether.TypeRegistry, conns []*tether.Connection, derived []string) []string {
	var raw []string
	for _, c := range conns {
		raw = append(raw, SecretValues(types.Type(c.Spec.Type), c)...)
	}
	raw = append(raw, derived...)
	set := map[string]bool{}
	for _, v := range raw {
		for _, form := range forms(v) {
			if form != "" {
				set[form] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	return out
}

// forms returns v, its lines when it has several, and the encodings of
// each.
func forms(v string) []string {
	values := []string{v}
	if strings.Contains(v, "\n") {
		for _, line := range strings.Split(v, "\n") {
			if line = strings.TrimSpace(line); len(line) >= minLineMask {
				values = append(values, line)
			}
		}
	}
	var out []string
	for _, s := range values {
		b := []byte(s)
		out = append(out, s,
			base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
			base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
			url.QueryEscape(s), url.PathEscape(s))
	}
	return out
}

// Masker is a writer that replaces every occurrence of its values with
// Mask before passing the output on. A value split across two writes is
// still found: bytes that could begin a value are held back until the
// next write shows whether they do, or until Flush. Longer values win
// over the values they contain. It is safe for concurrent use.
type Masker struct {
	mu      sync.Mutex
	w       io.Writer
	byFirst map[byte][][]byte // values by first byte, longest first
	pending []byte
}

// NewMasker returns a Masker writing to w.
func NewMasker(w io.Writer, values []string) *Masker {
	m := &Masker{w: w, byFirst: map[byte][][]byte{}}
	sorted := append([]string(nil), values...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, v := range sorted {
		if v != "" {
			m.byFirst[v[0]] = append(m.byFirst[v[0]], []byte(v))
		}
	}
	return m
}

// Write masks p and writes what is settled. It reports len(p) on success.
func (m *Masker) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, p...)
	out, rest := m.scan(m.pending, false)
	m.pending = append(m.pending[:0], rest...)
	if _, err := m.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush masks and writes what is held back: the output has ended.
func (m *Masker) Flush() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	out, _ := m.scan(m.pending, true)
	m.pending = m.pending[:0]
	_, err := m.w.Write(out)
	return err
}

// scan masks buf and returns the settled output and the bytes held back
// (a possible beginning of a value at its end), none when final.
func (m *Masker) scan(buf []byte, final bool) (out, rest []byte) {
	out = make([]byte, 0, len(buf))
	for i := 0; i < len(buf); {
		n, partial := m.match(buf[i:], final)
		switch {
		case n > 0:
			out = append(out, Mask...)
			i += n
		case partial:
			return out, buf[i:]
		default:
			out = append(out, buf[i])
			i++
		}
	}
	return out, nil
}

// match returns the length of the longest value at the start of b, or
// whether b (the end of the buffer) could be the beginning of one.
func (m *Masker) match(b []byte, final bool) (n int, partial bool) {
	for _, v := range m.byFirst[b[0]] {
		switch {
		case bytes.HasPrefix(b, v):
			if partial {
				return 0, true // a longer value may still match
			}
			return len(v), false
		case !final && len(b) < len(v) && bytes.HasPrefix(v, b):
			partial = true
		}
	}
	return 0, partial
}
