package main_test

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

// TestCLILeaksNoSecret plants unique secrets, runs every client command as
// every role, and scans everything printed (but a reveal the caller is
// allowed), the server's log and the audit log for the secrets in every
// encoding.
func TestCLILeaksNoSecret(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	admin := newCLI(t, s)
	admin.ok("ns", "create", "own")
	keyID, keySecret, session := "leak-id-"+randomHex(t, 8), "leak-secret-"+randomHex(t, 8), "leak-session-"+randomHex(t, 8)
	b64 := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
	manifest := writeFile(t, t.TempDir(), "s3.yaml", "kind: Connection\nid: planted\nnamespace: own\nspec:\n  type: s3\n  uri: s3://bucket/x\n"+
		"  region: eu-central-1\n  keyID: "+b64(keyID)+"\n  keySecret: "+b64(keySecret)+"\n  parameters:\n    sessionToken: "+b64(session)+"\n")
	admin.ok("conn", "create", "-f", manifest)
	masked := writeFile(t, t.TempDir(), "masked.yaml", admin.ok("conn", "get", "-n", "own", "--id", "planted"))

	var printed strings.Builder
	for _, role := range []string{"viewer", "user", "editor", "admin"} {
		issued := admin.run("", "token", "create", "--subject", "user:leak-"+role)
		wantExit(t, issued, 0)
		token := strings.TrimSpace(issued.Stdout)
		admin.ok("rolebinding", "create", "--namespace", "own", "--role", role, "--subject", "user:leak-"+role)
		c := newCLI(t, s).with("TETHER_TOKEN_PATH", "").with("TETHER_TOKEN", token)
		for _, args := range [][]string{
			{"conn", "get", "-n", "own"}, {"conn", "get", "-n", "own", "-o", "json"}, {"conn", "get", "-n", "own", "-o", "table"},
			{"conn", "get", "-n", "own", "-o", "jsonpath={[*].spec}"}, {"conn", "get", "-n", "own", "--id", "planted", "-d"},
			{"conn", "usage", "-n", "own", "--id", "planted"}, {"conn", "edit", "-f", masked}, {"audit", "get", "-n", "own", "-o", "json"},
			{"rolebinding", "get", "-n", "own"}, {"token", "get"}, {"ns", "get"}, {"keys", "rotate"}, {"backup", "-"},
			{"conn", "delete", "-n", "own", "--id", "missing"},
		} {
			r := c.run("", args...)
			if args[len(args)-1] == "-d" && r.Code == 0 {
				continue // an allowed reveal
			}
			printed.WriteString(r.Stdout + r.Stderr)
		}
	}
	audit := admin.ok("audit", "get", "-o", "json")
	for _, secret := range []string{keyID, keySecret, session} {
		forms := []string{secret, b64(secret), strings.TrimRight(b64(secret), "="), url.QueryEscape(b64(secret)), hex.EncodeToString([]byte(secret))}
		for _, form := range forms {
			for where, text := range map[string]string{"CLI output": printed.String(), "server log": s.Logs.String(), "audit log": audit} {
				if strings.Contains(text, form) {
					t.Errorf("the %s holds a planted secret", where)
				}
			}
		}
	}
}
