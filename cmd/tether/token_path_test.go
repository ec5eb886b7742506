package main_test

import (
	"path/filepath"
	"testing"
)

// TestTokenPathIsReReadOnEveryCall swaps the content of the file named by
// TETHER_TOKEN_PATH between calls: each call uses what the file holds then.
func TestTokenPathIsReReadOnEveryCall(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	c := newCLI(t, s)
	path := filepath.Join(c.dir, "token")
	c = c.with("TETHER_TOKEN_PATH", path)
	good := s.token()
	steps := []struct {
		content string
		code    int
	}{
		{good + "\n", 0},
		{"tether_this-token-was-rotated-away\n", 6},
		{good, 0},
		{"   \n", 6},
		{good + "\n", 0},
	}
	for i, st := range steps {
		writeFile(t, c.dir, "token", st.content)
		r := c.run("", "conn", "get", "-o", "json")
		if r.Code != st.code || (st.code == 0 && r.Stdout != "[]\n") {
			t.Errorf("step %d (token file %q): exit %d, stdout %q, stderr %q; want exit %d",
				i+1, st.content, r.Code, r.Stdout, r.Stderr, st.code)
		}
	}
	s.stop()
}
