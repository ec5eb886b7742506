package http_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tether-ml/tether"
)

// plantedSecrets are unique secret values planted in connections; no
// answer but an allowed reveal, no log line and no audit row may hold one
// in any encoding.
func plantedSecrets(t *testing.T) []string {
	t.Helper()
	var out []string
	for i := range 3 {
		out = append(out, fmt.Sprintf("planted-%d-%s", i, randomToken(t)))
	}
	return out
}

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	for i := range b {
		b[i] = byte('a' + (i*7+len(t.Name()))%26)
	}
	return hex.EncodeToString(b)
}

// encodings returns v in every form a leak could take.
func encodings(v string) []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(v))
	return []string{v, b64, strings.TrimRight(b64, "="), base64.URLEncoding.EncodeToString([]byte(v)),
		url.QueryEscape(v), url.QueryEscape(b64), hex.EncodeToString([]byte(v))}
}

// TestNoSecretLeaks plants secrets, runs every route of the authorization
// matrix as every role, and scans every answer (but the reveals a caller is
// allowed), the server's log and the audit log.
func TestNoSecretLeaks(t *testing.T) {
	s := newStack(t)
	secrets := plantedSecrets(t)
	b64 := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
	for _, ns := range []string{"own", "other"} {
		mustStatus(t, s.do("POST", "/api/v1/namespaces", `{"name":"`+ns+`"}`), http.StatusCreated)
		mustStatus(t, s.do("POST", "/api/v1/namespaces/"+ns+"/connection", fmt.Sprintf(
			`{"id":"shared","spec":{"type":"s3","uri":"s3://bucket","region":"eu-central-1","keyID":%q,"keySecret":%q,"parameters":{"sessionToken":%q}}}`,
			b64(secrets[0]), b64(secrets[1]), b64(secrets[2]))), http.StatusCreated)
	}
	var answers strings.Builder
	callers := []string{s.token}
	for _, r := range tether.Roles {
		tok := s.issue(t, "user:leak-"+string(r))
		mustStatus(t, s.do("POST", "/api/v1/rolebindings", fmt.Sprintf(`{"subject":"user:leak-%s","role":%q,"namespace":"own"}`, r, r)), http.StatusCreated)
		callers = append(callers, tok)
	}
	callers = append(callers, "tether_not-a-token", "")
	strangers := fromAddress("127.0.0.3")
	for i, token := range callers {
		for j, rt := range matrixRoutes() {
			id := fmt.Sprintf("l%d-%d", i, j)
			pathID := id
			if rt.method == "DELETE" {
				pathID = s.prepare(t, rt, "own", id)
			}
			for _, target := range []string{"own", "other"} {
				rep := strings.NewReplacer("{ns}", target, "{id}", pathID)
				hc := s.srv.Client()
				if i >= len(callers)-2 {
					hc = strangers // failing authentications, throttled apart
				}
				r := s.doFrom(hc, token, rt.method, rep.Replace(rt.path), rep.Replace(rt.body), "X-Tether-Job", "leak-job")
				reveal := strings.HasSuffix(rt.path, "/decrypted") || strings.HasSuffix(rt.path, "?decrypted=true")
				if reveal && r.status == http.StatusOK {
					continue // an allowed reveal: the one answer that holds the secrets
				}
				answers.Write(r.body)
				for k, v := range r.header {
					answers.WriteString(k + ": " + strings.Join(v, ",") + "\n")
				}
			}
		}
	}
	audit := s.do("GET", "/api/v1/audit", "")
	mustStatus(t, audit, http.StatusOK)
	for _, secret := range secrets {
		for _, form := range encodings(secret) {
			for where, text := range map[string]string{"an answer": answers.String(), "the server log": s.logs.String(), "the audit log": string(audit.body)} {
				if strings.Contains(text, form) {
					t.Errorf("%s holds a planted secret (form %.12s...)", where, form)
				}
			}
		}
	}
	for _, tok := range callers[1:] {
		if tok != "" && (strings.Contains(string(audit.body), tok) || strings.Contains(s.logs.String(), tok)) {
			t.Errorf("a bearer token reached the audit or server log")
		}
	}
}
