package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// hostile are values a server, a file or another user may hand the CLI,
// each with the escape the terminal must see instead.
var hostile = []struct{ name, value, escaped string }{
	{"ESC", "a\x1b[31mred", `a\x1b[31mred`},
	{"CR", "row\rFORGED\tROW", `row\x0dFORGED\x09ROW`},
	{"LF", "one\ntwo", `one\x0atwo`},
	{"NUL", "nul\x00byte", `nul\x00byte`},
	{"BEL", "bell\a", `bell\x07`},
	{"DEL", "del\x7f", `del\x7f`},
	{"C1 CSI", "c1\u009b2J", `c1\u009b2J`},
	{"C1 OSC", "osc\u009d0;title\u009c", `osc\u009d0;title\u009c`},
	{"invalid UTF-8", "bad\xff\xfeend", `bad\xff\xfeend`},
	{"bidi override", "abc\u202egpj.exe", `abc\u202egpj.exe`},
}

// printers are every human-readable printer of the CLI, each printing one
// row (or one entry) holding s.
var printers = []struct {
	name  string
	lines int // lines printed for one entry
	print func(w io.Writer, s string) error
}{
	{"conn get -o table", 2, func(w io.Writer, s string) error {
		c := &tether.Connection{ID: "x", Spec: tether.ConnectionSpec{Type: "s3", URI: s, Description: s}}
		return printConnections(w, "table", []*tether.Connection{c})
	}},
	{"conn test", 2, func(w io.Writer, s string) error {
		return printTests(w, "table", []testReport{{ID: "x", ProbeResult: &tether.ProbeResult{From: s, Message: s}}})
	}},
	{"audit get", 2, func(w io.Writer, s string) error {
		return printAudit(w, []*tether.AuditEvent{{Subject: s, Action: s, Namespace: s, Connection: s, Job: s, Outcome: s, Remote: s, Detail: s}})
	}},
	{"rolebinding get", 2, func(w io.Writer, s string) error {
		return printRoleBindings(w, []*tether.RoleBinding{{ID: s, Namespace: s, Role: tether.Role(s), Subject: s}})
	}},
	{"token get", 2, func(w io.Writer, s string) error {
		return printTokens(w, []tether.TokenInfo{{ID: s, Subject: s}})
	}},
	{"namespace get", 2, func(w io.Writer, s string) error {
		return printNamespaces(w, []*tether.Namespace{{Name: s}})
	}},
	{"conn usage", 7, func(w io.Writer, s string) error {
		return printUsage(w, &tether.Usage{Namespace: s, Connection: s, PerDay: map[string]int{s: 1},
			Subjects: map[string]int{s: 1}, Jobs: map[string]int{s: 1}})
	}},
	{"error message", 1, func(w io.Writer, s string) error {
		printError(w, tether.Errorf(tether.ENOTFOUND, "connection %s not found", s))
		return nil
	}},
	{"conn import plan", 2, func(w io.Writer, s string) error {
		a := &app{env: Env{Stdout: w}, types: conntype.New()}
		return a.printImportPlan(&importPlan{list: []*tether.Connection{{ID: s, Spec: tether.ConnectionSpec{Type: s, URI: s}}}})
	}},
}

// TestPrintersEscapeControls checks that no human-readable printer lets a
// control character, a format character or invalid UTF-8 reach the
// terminal, and that each shows the escaped form instead.
func TestPrintersEscapeControls(t *testing.T) {
	for _, p := range printers {
		for _, h := range hostile {
			t.Run(p.name+"/"+h.name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := p.print(&buf, h.value); err != nil {
					t.Fatal(err)
				}
				out := buf.String()
				if !utf8.ValidString(out) {
					t.Errorf("output is not valid UTF-8: %q", out)
				}
				for _, r := range out {
					if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
						t.Errorf("output holds %U: %q", r, out)
					}
				}
				if got := strings.Count(out, "\n"); got != p.lines {
					t.Errorf("%d lines, want %d (a value forged a line):\n%s", got, p.lines, out)
				}
				if !strings.Contains(out, h.escaped) {
					t.Errorf("output %q does not show %q", out, h.escaped)
				}
			})
		}
	}
}

// TestMachineOutputIsExact checks that JSON and YAML print values exactly
// as the server sent them, control characters included.
func TestMachineOutputIsExact(t *testing.T) {
	for _, h := range hostile {
		if !utf8.ValidString(h.value) {
			continue // JSON cannot carry invalid UTF-8 at all
		}
		t.Run(h.name, func(t *testing.T) {
			list := []*tether.Connection{{ID: "x", Spec: tether.ConnectionSpec{Type: "s3", Description: h.value}}}
			var buf bytes.Buffer
			if err := printConnections(&buf, "json", list); err != nil {
				t.Fatal(err)
			}
			var back []*tether.Connection
			if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if len(back) != 1 || back[0].Spec.Description != h.value {
				t.Errorf("JSON round trip changed %q:\n%s", h.value, buf.String())
			}
		})
	}
}

// TestTerminalSafeKeepsText checks that ordinary text, accented and wide
// characters included, is printed unchanged.
func TestTerminalSafeKeepsText(t *testing.T) {
	for _, s := range []string{"", "training-data", "Données d'entraînement", "模型输入", "a\\x1b literal backslash", "emoji 🚀"} {
		if got := terminalSafe(s); got != s {
			t.Errorf("terminalSafe(%q) = %q", s, got)
		}
	}
}

// TestErrorKeepsLines checks that a multi-line usage message (cobra's
// suggestions) keeps its lines and indentation while every other control
// character is escaped.
func TestErrorKeepsLines(t *testing.T) {
	var buf bytes.Buffer
	printError(&buf, errors.New("unknown command \"gte\x1b\r\"\n\nDid you mean this?\n\tget\n"))
	want := "Error: unknown command \"gte\\x1b\\x0d\"\n\nDid you mean this?\n\tget\n\n"
	if buf.String() != want {
		t.Errorf("printError = %q, want %q", buf.String(), want)
	}
}
