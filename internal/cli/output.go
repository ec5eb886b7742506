package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/kube"
)

// outputFormats are the values of -o besides "jsonpath=EXPR".
var outputFormats = []string{"yaml", "json", "table", "jsonpath="}

// addOutputFlag adds -o/--output and its odahuflowctl alias --format, with
// def as the default format.
func addOutputFlag(cmd *cobra.Command, out *string, def string) {
	cmd.Flags().StringVarP(out, "output", "o", def, "output format: yaml, json, table or jsonpath=EXPR")
	cmd.Flags().StringVar(out, "format", def, "alias of --output (odahuflowctl)")
	for _, f := range []string{"output", "format"} {
		_ = cmd.RegisterFlagCompletionFunc(f, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return outputFormats, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		})
	}
}

// checkOutput validates an -o value before any request is made.
func checkOutput(format string) error {
	switch {
	case format == "yaml", format == "json", format == "table":
		return nil
	case strings.HasPrefix(format, "jsonpath="):
		if strings.TrimPrefix(format, "jsonpath=") == "" {
			return usagef("-o jsonpath= needs an expression, e.g. -o 'jsonpath={[*].spec.uri}'")
		}
		return nil
	}
	return usagef("unknown output format %q: use yaml, json, table or jsonpath=EXPR", format)
}

// printOutput writes v in the format: JSON, YAML and JSONPath print the
// values exactly; "table" calls table, the human form.
func printOutput(w io.Writer, format string, v any, table func(io.Writer) error) error {
	switch {
	case format == "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case format == "table":
		return table(w)
	case strings.HasPrefix(format, "jsonpath="):
		return kube.PrintJSONPath(w, strings.TrimPrefix(format, "jsonpath="), v)
	}
	out, err := yaml.Marshal(v)
	if err != nil {
		return tether.Internal("cli.printOutput", err)
	}
	_, err = w.Write(out)
	return err
}

// printConnections writes a list of connections in the format.
func printConnections(w io.Writer, format string, list []*tether.Connection) error {
	if list == nil {
		list = []*tether.Connection{}
	}
	now := time.Now()
	return printOutput(w, format, list, func(w io.Writer) error {
		t := newTable(w, "ID", "TYPE", "URI", "VITAL", "LAST TEST", "EXPIRES", "DESCRIPTION")
		for _, c := range list {
			t.row(c.ID, c.Spec.Type, c.Spec.URI, fmt.Sprint(c.Spec.Vital), lastTest(c.Status.LastTest, now),
				expiresCell(c.Status.Expiry, now), c.Spec.Description)
		}
		return t.flush()
	})
}

// lastTest is the LAST TEST cell of a connection's last test result: its
// outcome and age ("ok 3m ago", "failed 2h ago"), or "-" when never tested.
func lastTest(r *tether.ProbeResult, now time.Time) string {
	if r == nil {
		return "-"
	}
	return testOutcome(r.OK) + " " + age(now.Sub(r.At)) + " ago"
}

// age is d in its largest whole unit, as kubectl shows ages: 45s, 3m, 5h,
// 12d. A negative d (a clock ahead of this one) is 0s.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(max(d, 0).Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// table is a human-readable table: every cell goes through terminalSafe,
// so a value cannot move the cursor, forge a row or a column, or send the
// terminal a command.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = terminalSafe(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// terminalSafe returns s as it may be shown on a terminal, the one escaping
// of every human-readable printer: control characters (C0 including tab,
// CR and newline, DEL, C1), Unicode format characters (bidirectional
// overrides, zero-width characters) and the bytes of invalid UTF-8 are
// written as Go escapes (\x1b, \u0085, \u202e); everything else is kept.
// Machine formats (JSON, YAML, JSONPath) are never escaped.
func terminalSafe(s string) string {
	if isTerminalSafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < utf8.RuneSelf && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isTerminalSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

func unsafeRune(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }
