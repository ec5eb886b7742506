package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether/internal/dextest"
	"github.com/tether-ml/tether/internal/oidc"
)

// loginTimeout bounds one "tether login": the device flow polls Dex every
// 5 s.
const loginTimeout = 90 * time.Second

// savedLogin is credentials.json as "tether login" writes it.
type savedLogin struct {
	Issuer       string    `json:"issuer"`
	ClientID     string    `json:"client_id"`
	IDToken      string    `json:"id_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
}

// loginRun is a "tether login" running in the background, whose stderr
// the test reads as a user would.
type loginRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	stderr strings.Builder
	stdout strings.Builder
}

// startLogin starts tether login args with home as HOME.
func startLogin(t *testing.T, home string, args ...string) *loginRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), loginTimeout)
	t.Cleanup(cancel)
	r := &loginRun{t: t, lines: make(chan string, 100)}
	r.cmd = exec.CommandContext(ctx, tetherBin, append([]string{"login"}, args...)...)
	r.cmd.Dir = home
	r.cmd.Env = processEnv(home, nil)
	r.cmd.Stdout = &r.stdout
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go r.read(pipe)
	return r
}

func (r *loginRun) read(pipe io.Reader) {
	defer close(r.lines)
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		r.lines <- sc.Text()
	}
}

// await returns the first submatch of re in the next lines of stderr.
func (r *loginRun) await(re *regexp.Regexp) string {
	r.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				r.t.Fatalf("tether login ended without printing %v; stderr:\n%s", re, r.stderr.String())
			}
			r.stderr.WriteString(line + "\n")
			if m := re.FindStringSubmatch(line); m != nil {
				return m[1]
			}
		case <-timeout:
			r.t.Fatalf("tether login did not print %v within 30 s; stderr:\n%s", re, r.stderr.String())
		}
	}
}

// wait waits for the command to end and returns its exit code and all it
// printed on stderr.
func (r *loginRun) wait() (int, string) {
	r.t.Helper()
	for line := range r.lines {
		r.stderr.WriteString(line + "\n")
	}
	return exitCode(r.t, r.cmd.Wait()), r.stderr.String()
}

// readLogin checks the saved login's file modes and returns it.
func readLogin(t *testing.T, home string) savedLogin {
	t.Helper()
	path := filepath.Join(home, ".config", "tether", "credentials.json")
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode(), want)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s savedLogin
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("credentials.json: %v", err)
	}
	return s
}

// checkLogin requires the saved login to be one a server trusting client
// would accept for user, and none of its tokens to have been printed.
func checkLogin(t *testing.T, f *dextest.Fixtures, client dextest.Client, home, printed string, user dextest.User) savedLogin {
	t.Helper()
	s := readLogin(t, home)
	if s.Issuer != f.Issuer || s.ClientID != client.ID || s.RefreshToken == "" || time.Until(s.Expiry) < 10*time.Minute {
		t.Errorf("saved login: issuer %q, client %q, refresh token %v, expiry %v",
			s.Issuer, s.ClientID, s.RefreshToken != "", s.Expiry)
	}
	for _, secret := range []string{s.IDToken, s.RefreshToken} {
		if secret != "" && strings.Contains(printed, secret) {
			t.Errorf("tether login printed a token: %s", printed)
		}
	}
	v, err := oidc.New(t.Context(), oidc.Config{IssuerURL: f.Issuer, ClientID: client.ID})
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Authenticate(t.Context(), s.IDToken)
	if err != nil {
		t.Fatalf("the saved ID token does not verify: %v", err)
	}
	if id.Subject != "user:"+user.Email {
		t.Errorf("saved ID token is %s's, want %s's", id.Subject, user.Email)
	}
	return s
}

// TestLoginDeviceFlow logs in the way a user at a terminal without a
// browser does: tether prints a page and a code, the user approves the
// login in a browser elsewhere (here net/http with a cookie jar, through
// Dex's real pages), and tether saves the tokens.
func TestLoginDeviceFlow(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	home := t.TempDir()
	r := startLogin(t, home, "--oidc", "--issuer", f.Issuer, "--client-id", f.PublicClient.ID, "--no-browser")
	code := r.await(regexp.MustCompile(`enter the code (\S+)`))
	page := r.await(regexp.MustCompile(`\(or open (\S+)\)`))
	if !strings.Contains(page, "user_code="+code) {
		t.Errorf("verification page %s does not carry the code %s", page, code)
	}
	done, err := dextest.Login(t.Context(), page, f.Alice())
	if err != nil {
		t.Fatalf("approving the device login: %v", err)
	}
	if !strings.Contains(done.Body, "Login Successful") {
		t.Errorf("Dex ended on %s:\n%s", done.URL, done.Body)
	}
	exit, printed := r.wait()
	if exit != 0 || !strings.Contains(printed, "Logged in as alice@example.com") || r.stdout.Len() != 0 {
		t.Fatalf("tether login: exit %d, stdout %q, stderr:\n%s", exit, r.stdout.String(), printed)
	}
	checkLogin(t, f, f.PublicClient, home, printed, f.Alice())
}

// TestLoginBrowserFlow logs in with the authorization code flow and a
// redirect to tether's loopback listener, taking the issuer and client
// from an earlier (expired) login.
func TestLoginBrowserFlow(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	home := t.TempDir()
	earlier := `{"issuer":"` + f.Issuer + `","client_id":"` + f.PublicClient.ID +
		`","id_token":"expired","expiry":"2020-01-01T00:00:00Z"}`
	if err := os.MkdirAll(filepath.Join(home, ".config", "tether"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(home, ".config", "tether"), "credentials.json", earlier)
	r := startLogin(t, home, "--oidc", "--grant-type", "authcode", "--no-browser")
	authURL := r.await(regexp.MustCompile(`^\s+(http\S+)$`))
	for _, want := range []string{"code_challenge_method=S256", "redirect_uri=http%3A%2F%2F127.0.0.1%3A", "state=", "nonce="} {
		if !strings.Contains(authURL, want) {
			t.Errorf("authorization URL %s lacks %s", authURL, want)
		}
	}
	done, err := dextest.Login(t.Context(), authURL, f.Bob())
	if err != nil {
		t.Fatalf("logging in in the browser: %v", err)
	}
	if !strings.HasPrefix(done.URL, "http://127.0.0.1:") || !strings.Contains(done.Body, "Logged in") {
		t.Errorf("the browser ended on %s (%d):\n%s", done.URL, done.Status, done.Body)
	}
	exit, printed := r.wait()
	if exit != 0 || !strings.Contains(printed, "Logged in as bob@example.com") {
		t.Fatalf("tether login: exit %d, stderr:\n%s", exit, printed)
	}
	checkLogin(t, f, f.PublicClient, home, printed, f.Bob())
}

// TestLoginConfidentialClient logs in as a client with a secret, given in
// a file: the browser flow on the one redirect URI the client has
// registered. The secret must reach the issuer and nowhere else: not the
// terminal, not the saved login (which records the file's path).
func TestLoginConfidentialClient(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	home := t.TempDir()
	secretFile := writeFile(t, t.TempDir(), "secret", f.OtherClient.Secret+"\n")
	r := startLogin(t, home, "--oidc", "--issuer", f.Issuer, "--client-id", f.OtherClient.ID,
		"--client-secret-file", secretFile, "--grant-type", "authcode", "--callback-port", "5555", "--no-browser")
	authURL := r.await(regexp.MustCompile(`^\s+(http\S+)$`))
	if _, err := dextest.Login(t.Context(), authURL, f.Alice()); err != nil {
		t.Fatalf("logging in in the browser: %v", err)
	}
	exit, printed := r.wait()
	if exit != 0 {
		t.Fatalf("tether login: exit %d, stderr:\n%s", exit, printed)
	}
	checkLogin(t, f, f.OtherClient, home, printed, f.Alice())
	raw, err := os.ReadFile(filepath.Join(home, ".config", "tether", "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), f.OtherClient.Secret) || strings.Contains(printed+authURL, f.OtherClient.Secret) {
		t.Error("the client secret was saved or printed")
	}
	if !strings.Contains(string(raw), secretFile) {
		t.Errorf("the saved login does not name the secret file:\n%s", raw)
	}
}

func TestLoginErrors(t *testing.T) {
	t.Parallel()
	f := dextest.Load(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		fragment string
	}{
		{"no --oidc", []string{"--issuer", f.Issuer, "--client-id", "x"}, 2, "--oidc"},
		{"no issuer", []string{"--oidc"}, 2, "--issuer"},
		{"bad grant type", []string{"--oidc", "--issuer", f.Issuer, "--client-id", "x", "--grant-type", "password"}, 2, "--grant-type"},
		{"issuer down", []string{"--oidc", "--issuer", "http://" + closedPort(t) + "/dex", "--client-id", "x"}, 7, "discovery failed"},
		{"missing secret file", []string{"--oidc", "--issuer", f.Issuer, "--client-id", "x", "--client-secret-file", "/nonexistent"}, 3, "/nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCLI(t, nil).run("", append([]string{"login"}, tt.args...)...)
			wantError(t, r, tt.code, tt.fragment)
		})
	}
}
