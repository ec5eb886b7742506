package conntype

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// git over HTTPS (Polyaxon's url: https://gitlab.com/org/test): the uri is
// the repository's URL, spec.password the access token (or password) and
// spec.username its user, if the server wants one. The token never enters
// the uri, a command line or a variable: it is written to a file in git's
// credential-helper format, which a helper configured through GIT_CONFIG_*
// variables (for the repository's host only) prints to git. git then
// clones without prompting; a refused token fails at once
// (GIT_TERMINAL_PROMPT=0).

// defaultGitUser is the user sent with a token when the connection names
// none: GitHub takes any user with a token, and GitLab any user with a
// personal access token.
const defaultGitUser = "x-access-token"

// isHTTPGit reports whether uri is an http(s) repository URL (and so the
// connection one over HTTPS).
func isHTTPGit(uri string) bool {
	return strings.HasPrefix(uri, "https://") || strings.HasPrefix(uri, "http://")
}

// gitHTTPURIProblem returns why uri is not http(s)://host[:port]/path, or
// "".
func gitHTTPURIProblem(uri string) string {
	if msg := serviceURLProblem(uri, true, "https", "http"); msg != "" {
		return msg
	}
	if u, _ := url.Parse(uri); strings.Trim(u.Path, "/") == "" {
		return "must name the repository: https://<host>/<org>/<repo>[.git]"
	}
	return ""
}

// checkGitHTTPS checks the fields of a git connection over HTTPS: the
// token is required, the SSH fields are refused.
func checkGitHTTPS(s *tether.ConnectionSpec, p *tether.Problems) {
	if msg := gitHTTPURIProblem(s.URI); msg != "" {
		p.Add("spec.uri", msg)
	}
	if s.Password == "" {
		p.Add("spec.password", "required by type git over HTTPS: the access token or password")
	}
	checkDecodedText("spec.password", s.Password.Reveal(), p)
	if s.Username != "" && (strings.ContainsAny(s.Username, ":/@") || !clean(s.Username)) {
		p.Add("spec.username", "must be a user name without ':', '/' or '@'")
	}
	if s.KeySecret != "" {
		p.Add("spec.keySecret", "is the SSH private key: an https uri takes the access token in spec.password")
	}
	if s.PublicKey != "" {
		p.Add("spec.publicKey", "pins an SSH host key: it means nothing with an https uri")
	}
}

// renderGitHTTPS writes the credential file and configures, for the uri's
// scheme and host only, a credential helper that prints it (after
// clearing any other helper), so that git never prompts and never stores.
func renderGitHTTPS(c *tether.Connection, dir string) (*tether.Rendering, error) {
	u, err := url.Parse(c.Spec.URI)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "connection %q: spec.uri is not a URL", c.ID)
	}
	user := c.Spec.Username
	if user == "" {
		user = defaultGitUser
	}
	r := newRendering()
	r.Files["git-credential"] = []byte("username=" + user + "\npassword=" + string(secretBytes(c.Spec.Password)) + "\n")
	key := "credential." + u.Scheme + "://" + u.Host + ".helper"
	helper := `!f() { test "$1" = get && cat ` + ShellQuote(dirPath(dir, "git-credential")) + `; }; f`
	r.Env["GIT_CONFIG_COUNT"] = "2"
	r.Env["GIT_CONFIG_KEY_0"], r.Env["GIT_CONFIG_VALUE_0"] = key, ""
	r.Env["GIT_CONFIG_KEY_1"] = key
	r.SetFileEnv("GIT_CONFIG_VALUE_1", helper)
	r.Env["GIT_TERMINAL_PROMPT"] = "0"
	setIf(r.Env, "GIT_REFERENCE", c.Spec.Reference)
	return r, nil
}

// probeGitHTTPS does what git ls-remote does over smart HTTP: it asks
// <uri>/info/refs?service=git-upload-pack with the credential (basic
// auth) through env.HTTP and counts the advertised refs.
func probeGitHTTPS(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeGitHTTPS"
	u, _ := url.Parse(c.Spec.URI)
	host := u.Host
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimSuffix(c.Spec.URI, "/")+"/info/refs?service=git-upload-pack", nil)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "spec.uri is not a repository URL")
	}
	user := c.Spec.Username
	if user == "" {
		user = defaultGitUser
	}
	req.SetBasicAuth(user, string(secretBytes(c.Spec.Password)))
	req.Header.Set("Git-Protocol", "version=0")
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return "", unreachable(op, host, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := gitHTTPStatus(op, host, u.Path, resp); err != nil {
		return "", err
	}
	n, err := smartRefs(bufio.NewReader(resp.Body))
	if err != nil {
		return "", &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: host + " sent no valid git ref advertisement"}
	}
	return fmt.Sprintf("%d refs at %s", n, c.Spec.URI), nil
}

// gitHTTPStatus maps the answer's status to a probe's error, or nil for a
// smart-HTTP advertisement.
func gitHTTPStatus(op, host, path string, resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: fmt.Sprintf("%s refused the credential (HTTP %d)", host, resp.StatusCode)}
	case resp.StatusCode == http.StatusNotFound:
		return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: "no git repository at " + path + " on " + host}
	case resp.StatusCode != http.StatusOK:
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: fmt.Sprintf("%s answered HTTP %d", host, resp.StatusCode)}
	case resp.Header.Get("Content-Type") != "application/x-git-upload-pack-advertisement":
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: host + " does not speak git's smart HTTP protocol"}
	}
	return nil
}

// smartRefs reads a smart-HTTP advertisement: the service announcement
// and its flush, then the refs up to the next flush.
func smartRefs(r *bufio.Reader) (int, error) {
	if _, err := countRefs(r); err != nil {
		return 0, err
	}
	return countRefs(r)
}

// gitToAirflow gives what Airflow's GitHook reads: the repository URL in
// host, the user and token in login and password (HTTPS), or the private
// key in extra (SSH), with strict host key checking when a key is pinned.
func gitToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	a := &tether.AirflowConnection{ConnType: "git", Description: c.Spec.Description, Host: c.Spec.URI,
		Login: c.Spec.Username, Password: tether.Secret(secretBytes(c.Spec.Password)), Extra: map[string]any{}}
	if !isHTTPGit(c.Spec.URI) {
		a.Extra["private_key"] = string(secretBytes(c.Spec.KeySecret))
		if c.Spec.PublicKey != "" {
			a.Extra["host_key"] = strings.TrimSpace(string(publicKeyBytes(c.Spec.PublicKey)))
			a.Extra["strict_host_key_checking"] = "yes"
		}
	}
	setAny(a.Extra, "reference", c.Spec.Reference)
	return a, nil
}

func gitFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	if a.Host == "" {
		return nil, tether.Errorf(tether.EINVALID, "an Airflow git connection needs the repository URL in host")
	}
	if airflowExtra(a, "private_key") == "" && airflowExtra(a, "key_file") != "" {
		return nil, tether.Errorf(tether.EINVALID,
			"the Airflow git connection names a key_file on the worker: only an inline private_key can be imported")
	}
	s := &tether.ConnectionSpec{Type: "git", URI: a.Host, Description: a.Description, Username: a.Login,
		Password: b64Secret(a.Password.Reveal()), Reference: airflowExtra(a, "reference"),
		KeySecret: b64Secret(airflowExtra(a, "private_key"))}
	if hk := airflowExtra(a, "host_key"); hk != "" {
		s.PublicKey = b64(hk + "\n")
	}
	return s, nil
}

// gitPolyaxonSchema is Polyaxon's git schema: the repository's url and the
// revision to check out.
func gitPolyaxonSchema(c *tether.Connection) map[string]any {
	m := map[string]any{"url": c.Spec.URI}
	setAny(m, "revision", c.Spec.Reference)
	return m
}

func gitFromPolyaxon(schema map[string]any, spec *tether.ConnectionSpec) error {
	u, ok := schema["url"].(string)
	if !ok || u == "" {
		return tether.Errorf(tether.EINVALID, "schema.url: required, the repository's URL")
	}
	spec.URI = u
	if rev, ok := schema["revision"].(string); ok {
		spec.Reference = rev
	}
	return nil
}
