package tether

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting scanJSON follows; Tether's bodies nest
// three levels deep.
const maxJSONDepth = 32

// scanJSON checks what encoding/json would accept but change: invalid
// UTF-8 and duplicate keys, each added to p by path. It returns an error,
// with no input in it, for a syntax error, nesting deeper than
// maxJSONDepth, or data after the first value.
func scanJSON(data []byte, p *Problems) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	s := &jsonScan{dec: dec, data: data, bad: invalidUTF8(data, 0), p: p}
	if err := s.value("", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value at byte %d", dec.InputOffset())
	}
	return nil
}

// jsonScan walks one JSON document token by token.
type jsonScan struct {
	dec  *json.Decoder
	data []byte
	bad  int // offset of the next invalid UTF-8 byte, or -1
	p    *Problems
}

func (s *jsonScan) value(path string, depth int) error {
	tok, err := s.dec.Token()
	if err != nil {
		return scanError(err)
	}
	s.checkUTF8(path)
	switch tok {
	case json.Delim('{'):
		return s.object(path, depth+1)
	case json.Delim('['):
		return s.array(path, depth+1)
	}
	return nil
}

func (s *jsonScan) object(path string, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("nested more than %d levels deep", maxJSONDepth)
	}
	seen := map[string]bool{}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return scanError(err)
		}
		key, _ := tok.(string)
		child := jsonPath(path, key)
		s.checkUTF8(child)
		if seen[key] {
			s.p.Add(child, "duplicate key")
		}
		seen[key] = true
		if err := s.value(child, depth); err != nil {
			return err
		}
	}
	_, err := s.dec.Token()
	return scanError(err)
}

func (s *jsonScan) array(path string, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("nested more than %d levels deep", maxJSONDepth)
	}
	for i := 0; s.dec.More(); i++ {
		if err := s.value(fmt.Sprintf("%s[%d]", path, i), depth); err != nil {
			return err
		}
	}
	_, err := s.dec.Token()
	return scanError(err)
}

// checkUTF8 reports path if the token just read holds an invalid UTF-8
// byte, which encoding/json would replace with U+FFFD.
func (s *jsonScan) checkUTF8(path string) {
	end := int(s.dec.InputOffset())
	if s.bad < 0 || s.bad >= end {
		return
	}
	if path == "" {
		path = "(document)"
	}
	s.p.Add(path, "not valid UTF-8")
	s.bad = invalidUTF8(s.data, end)
}

// invalidUTF8 returns the offset of the first invalid UTF-8 byte of data at
// or after from, or -1.
func invalidUTF8(data []byte, from int) int {
	for i := from; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// jsonPath names the member key of the object at path: dotted when key is
// a plain name, quoted in brackets otherwise.
func jsonPath(path, key string) string {
	if key != "" && strings.IndexFunc(key, notNameRune) < 0 {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	if len(key) > 64 {
		key = key[:64] + "..."
	}
	return path + "[" + strconv.QuoteToASCII(key) + "]"
}

func notNameRune(r rune) bool {
	return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

// scanError describes a decoder error without quoting input.
func scanError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(jsonProblem(err))
}
