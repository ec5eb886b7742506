package conntype

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tether-ml/tether"
)

// gitType is a git repository reached over SSH with a private key. Odahu
// supports only SSH; its rules: keySecret (the private key) required, uri an
// SSH URL. publicKey, if given, pins the server's host key; Tether never
// fetches one over the network.
func gitType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "git",
		Description: "Git repository over SSH, e.g. git@github.com:org/repo.git",
		Fields: withOdahuFields([]tether.Field{
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: "SSH private key without passphrase, base64-encoded (base64 -w0 ~/.ssh/id_ed25519)"},
			{Name: "reference",
				Description: "Branch, tag or commit to check out, e.g. main"},
			{Name: "publicKey", Base64: true,
				Description: "Server's SSH host key line(s) as ssh-keyscan prints them, base64-encoded; pins the host key"},
		}),
		Check:  checkGit,
		Render: renderGit,
		Probe:  probeGit,
		KubeSecret: &tether.KubeSecret{Type: "kubernetes.io/ssh-auth",
			Keys: map[string]string{"id_key": "ssh-privatekey"}},
		Airflow: &tether.AirflowForm{ConnTypes: []string{"git"}, To: gitToAirflow, From: gitFromAirflow},
		Polyaxon: &tether.PolyaxonForm{Kind: "git", Schema: func(c *tether.Connection) map[string]any {
			return map[string]any{"url": c.Spec.URI}
		}, Spec: func(schema map[string]any, s *tether.ConnectionSpec) (err error) {
			s.URI, err = schemaString(schema, "url")
			return err
		}},
	}
}

// gitToAirflow is the git provider's connection (GitHook): the uri as
// host, the key inline as extra private_key, and strict host key checking
// on (GitHook's default is off): the worker's known_hosts must hold the
// host key, since Airflow has no field for publicKey. reference has no
// place either.
func gitToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	return &tether.AirflowConnection{ConnType: "git", Description: c.Spec.Description, Host: c.Spec.URI,
		Extra: map[string]any{"private_key": string(secretBytes(c.Spec.KeySecret)), "strict_host_key_checking": "yes"}}, nil
}

// gitFromAirflow reads an SSH git connection with an inline key.
func gitFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	const what = "the Airflow git connection"
	key := extraString(a.Extra, "private_key")
	switch {
	case key == "" && extraString(a.Extra, "key_file") != "":
		return nil, formError(what, "names a key_file on the worker: only an inline private_key can be imported")
	case key == "":
		return nil, formError(what, "has no private_key in its extra: type git connects over SSH with a key")
	}
	return &tether.ConnectionSpec{Type: "git", URI: a.Host, Description: a.Description,
		KeySecret: tether.Secret(b64(key))}, nil
}

// checkGit checks the uri, the reference, the private key and the host keys.
func checkGit(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := gitURIProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	if s.Reference != "" {
		if msg := gitRefProblem(s.Reference); msg != "" {
			p.Add("spec.reference", msg)
		}
	}
	if key, ok := decoded(s.KeySecret.Reveal()); ok {
		if msg := privateKeyProblem(key); msg != "" {
			p.Add("spec.keySecret", msg)
		}
	}
	if keys, ok := decoded(s.PublicKey); ok {
		if msg := hostKeysProblem(keys); msg != "" {
			p.Add("spec.publicKey", msg)
		}
	}
}

// gitURIProblem returns why uri is not an SSH git URL, or "".
func gitURIProblem(uri string) string {
	const forms = "user@host:path (e.g. git@github.com:org/repo.git) or ssh://[user@]host[:port]/path"
	switch {
	case strings.HasPrefix(uri, "ssh://"):
		if !sshURL(uri) {
			return "must be " + forms
		}
	case strings.Contains(uri, "://"):
		return "must be an SSH URL, " + forms + ": only SSH is supported"
	case !scpURL(uri):
		return "must be " + forms
	}
	return ""
}

// sshURL reports whether uri is ssh://[user@]host[:port]/path. A password
// in the URL is refused: the uri is not secret.
func sshURL(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	if _, hasPassword := u.User.Password(); hasPassword || !sshUser(u.User.Username(), u.User != nil) {
		return false
	}
	return validHostPort(u.Host) && !strings.HasPrefix(u.Host, "-") &&
		u.Path != "" && u.Path != "/" && !hasControl(u.Path)
}

// scpURL reports whether uri is the scp-like user@host:path.
func scpURL(uri string) bool {
	user, rest, ok := strings.Cut(uri, "@")
	if !ok || !sshUser(user, true) {
		return false
	}
	var host, path string
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]:")
		if end < 0 {
			return false
		}
		host, path = rest[:end+1], rest[end+2:]
	} else if host, path, ok = strings.Cut(rest, ":"); !ok {
		return false
	}
	return validHost(host) && path != "" && !strings.HasPrefix(path, "-") &&
		!strings.ContainsAny(path, " \t") && !hasControl(path)
}

// sshUser reports whether name is a plausible SSH user name. A leading '-'
// is refused: ssh would read it as an option.
func sshUser(name string, given bool) bool {
	if !given {
		return true
	}
	return isToken(name, 64) && name[0] != '-'
}

// gitRefProblem returns why ref cannot be a git ref name or commit (the
// obvious cases of git check-ref-format), or "".
func gitRefProblem(ref string) string {
	switch {
	case hasControl(ref):
		return "" // reported by the generic checks
	case strings.ContainsAny(ref, " ~^:?*[\\"):
		return `must be a git branch, tag or commit: no spaces or any of ~^:?*[\`
	case strings.HasPrefix(ref, "-"):
		return "must not start with '-'"
	case strings.Contains(ref, "..") || strings.Contains(ref, "@{") || strings.Contains(ref, "//") || ref == "@":
		return `must be a git branch, tag or commit: no "..", "@{" or "//"`
	case strings.HasPrefix(ref, "/") || strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".") ||
		strings.HasSuffix(ref, ".lock"):
		return `must be a git branch, tag or commit: no leading or trailing '/', no trailing '.' or ".lock"`
	}
	return ""
}

// privateKeyProblem returns why key is not an SSH private key that a job
// can use as is, or "". The parser's error is not passed on: it could
// quote part of the key.
func privateKeyProblem(key []byte) string {
	_, err := ssh.ParseRawPrivateKey(key)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &missing):
		return "is protected by a passphrase, which jobs cannot type: give a key without one " +
			"(e.g. a read-only deploy key)"
	case isPublicKey(key):
		return "holds a public key: give the private key"
	}
	return "must be a base64-encoded SSH private key (OpenSSH or PEM), e.g. base64 -w0 ~/.ssh/id_ed25519"
}

// hostKeysProblem returns why keys is not a list of SSH host key lines, or
// "". Each non-empty, non-comment line must be "host keytype base64" (as
// ssh-keyscan and known_hosts have it) or "keytype base64".
func hostKeysProblem(keys []byte) string {
	if bytes.Contains(keys, []byte("PRIVATE KEY")) {
		return "holds a private key, but publicKey is not secret: put the private key in spec.keySecret"
	}
	n := 0
	for i, line := range strings.Split(string(keys), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !isHostKeyLine([]byte(line)) {
			return fmt.Sprintf(`line %d is not an SSH host key ("host keytype base64" as ssh-keyscan prints, `+
				`or "keytype base64")`, i+1)
		}
		n++
	}
	if n == 0 {
		return "holds no SSH host key (expected ssh-keyscan output, base64-encoded)"
	}
	return ""
}

// isHostKeyLine reports whether line is a known_hosts line or a bare key.
func isHostKeyLine(line []byte) bool {
	if _, _, _, _, _, err := ssh.ParseKnownHosts(line); err == nil {
		return true
	}
	return isPublicKey(line)
}

// isPublicKey reports whether b is an authorized_keys style public key.
func isPublicKey(b []byte) bool {
	_, _, _, _, err := ssh.ParseAuthorizedKey(b)
	return err == nil
}

// renderGit writes the private key and, when publicKey pins the host key,
// a known_hosts file; GIT_SSH_COMMAND uses them with strict host key
// checking always on (without a pinned key, ssh checks the user's own
// known_hosts). The key's permissions (0600) satisfy ssh.
func renderGit(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	keyPath := filepath.Join(dir, "id_key")
	r.Files["id_key"] = secretBytes(c.Spec.KeySecret)
	cmd := "ssh -i " + ShellQuote(keyPath) + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o BatchMode=yes"
	if c.Spec.PublicKey != "" {
		hostsPath := filepath.Join(dir, "known_hosts")
		r.Files["known_hosts"] = knownHosts(c.Spec.URI, string(publicKeyBytes(c.Spec.PublicKey)))
		cmd += " -o UserKnownHostsFile=" + ShellQuote(hostsPath) + " -o GlobalKnownHostsFile=/dev/null"
	}
	r.SetFileEnv("GIT_SSH_COMMAND", cmd)
	setIf(r.Env, "GIT_REFERENCE", c.Spec.Reference)
	return r, nil
}

// knownHosts turns publicKey lines into known_hosts lines: lines that name
// no host ("keytype base64") get the uri's host ("[host]:port" off port 22).
func knownHosts(uri, publicKey string) []byte {
	_, addr, _ := sshTarget(uri)
	host, port, _ := net.SplitHostPort(addr)
	name := host
	if port != "22" {
		name = "[" + host + "]:" + port
	}
	var b strings.Builder
	for _, line := range strings.Split(publicKey, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "ssh-") || strings.HasPrefix(line, "ecdsa-") || strings.HasPrefix(line, "sk-") {
			line = name + " " + line
		}
		b.WriteString(line + "\n")
	}
	return []byte(b.String())
}

func publicKeyBytes(v string) []byte {
	b, _ := decoded(v)
	return b
}

// errHostKey is the refusal of a host key that publicKey does not pin.
var errHostKey = errors.New("host key not pinned")

// probeGit does what `git ls-remote` does over SSH: it connects through
// env.Dial, accepts only a host key that publicKey pins, authenticates with
// the stored private key, runs git-upload-pack on the uri's path and reads
// the ref advertisement up to its first flush.
func probeGit(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeGit"
	user, addr, path := sshTarget(c.Spec.URI)
	cfg, err := sshProbeConfig(c, user)
	if err != nil {
		return "", err
	}
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	conn, err := env.Dial(ctx, "tcp", addr)
	if err != nil {
		return "", unreachable(op, addr, err)
	}
	defer context.AfterFunc(ctx, func() { _ = conn.Close() })()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	switch {
	case errors.Is(err, errHostKey):
		return "", &tether.Error{Code: tether.EUNAUTHORIZED, Op: op, Message: "the host key of " + addr + " is not one publicKey pins"}
	case err != nil && strings.Contains(err.Error(), "unable to authenticate"):
		// x/crypto/ssh has no error type for a refused key, only this text.
		return "", &tether.Error{Code: tether.EUNAUTHORIZED, Op: op, Message: addr + " refused the key of user " + user}
	case err != nil:
		// A connection closed when ctx ended fails with its own error.
		return "", unreachable(op, addr, errors.Join(err, ctx.Err()))
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer func() { _ = client.Close() }()
	n, err := lsRemote(client, path)
	switch {
	case err != nil && ctx.Err() != nil:
		return "", unreachable(op, addr, ctx.Err())
	case err != nil:
		return "", gitProbeError(op, addr, path, err)
	}
	return fmt.Sprintf("%d refs at %s", n, c.Spec.URI), nil
}

// sshProbeConfig is the SSH client configuration of a probe: the stored
// key, and only the host keys publicKey pins (the server is asked for keys
// of their algorithms).
func sshProbeConfig(c *tether.Connection, user string) (*ssh.ClientConfig, error) {
	signer, err := ssh.ParsePrivateKey(secretBytes(c.Spec.KeySecret))
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "spec.keySecret is not an SSH private key without passphrase")
	}
	var pinned []ssh.PublicKey
	var algos []string
	for _, line := range strings.Split(string(publicKeyBytes(c.Spec.PublicKey)), "\n") {
		key := parseHostKeyLine([]byte(strings.TrimSpace(line)))
		if key == nil {
			continue
		}
		pinned = append(pinned, key)
		if key.Type() == ssh.KeyAlgoRSA {
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256)
		}
		algos = append(algos, key.Type())
	}
	if len(pinned) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "a git connection test needs spec.publicKey, the server's host key, to pin it")
	}
	check := func(_ string, _ net.Addr, key ssh.PublicKey) error {
		for _, k := range pinned {
			if bytes.Equal(k.Marshal(), key.Marshal()) {
				return nil
			}
		}
		return errHostKey
	}
	return &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: check, HostKeyAlgorithms: algos}, nil
}

// parseHostKeyLine returns the key of a known_hosts line or a bare key
// line, or nil for a comment, a blank or anything else. A marked line
// (@revoked, @cert-authority) pins nothing: ssh refuses a revoked key, and
// host certificates are not accepted.
func parseHostKeyLine(line []byte) ssh.PublicKey {
	if len(line) == 0 || line[0] == '#' {
		return nil
	}
	if marker, _, key, _, _, err := ssh.ParseKnownHosts(line); err == nil {
		if marker != "" {
			return nil
		}
		return key
	}
	if key, _, _, _, err := ssh.ParseAuthorizedKey(line); err == nil {
		return key
	}
	return nil
}

// sshTarget returns the user, host:port and path of an SSH git uri (user
// "git" and port 22 when the uri gives none).
func sshTarget(uri string) (user, addr, path string) {
	user, port := "git", "22"
	if u, err := url.Parse(uri); err == nil && u.Scheme == "ssh" {
		if u.User != nil {
			user = u.User.Username()
		}
		if u.Port() != "" {
			port = u.Port()
		}
		return user, net.JoinHostPort(u.Hostname(), port), u.Path
	}
	user, rest, _ := strings.Cut(uri, "@")
	host, path, _ := strings.Cut(rest, ":")
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]:")
		host, path = rest[1:end], rest[end+2:]
	}
	return user, net.JoinHostPort(host, port), path
}

// gitProbeError maps a failure of git-upload-pack: exit status 128 is
// git's "does not appear to be a git repository".
func gitProbeError(op, addr, path string, err error) error {
	var exit *ssh.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitStatus() == 128:
		return &tether.Error{Code: tether.ENOTFOUND, Op: op, Message: "no git repository at " + path + " on " + addr}
	case errors.As(err, &exit):
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: op,
			Message: fmt.Sprintf("git-upload-pack on %s exited with status %d", addr, exit.ExitStatus())}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: addr + " ended the ref advertisement early"}
	}
	if strings.Contains(err.Error(), "pkt-line") || strings.Contains(err.Error(), "too many refs") {
		return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: addr + " sent no valid git ref advertisement"}
	}
	return unreachable(op, addr, err)
}
