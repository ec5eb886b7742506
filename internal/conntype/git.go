package conntype

import (
	"bytes"
	"errors"
	"fmt"
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
		KubeSecret: &tether.KubeSecret{Type: "kubernetes.io/ssh-auth",
			Keys: map[string]string{"id_key": "ssh-privatekey"}},
	}
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
	host, port := sshHostPort(uri)
	name := host
	if port != "" && port != "22" {
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

// sshHostPort returns the host and port of an SSH git uri.
func sshHostPort(uri string) (host, port string) {
	if rest, ok := strings.CutPrefix(uri, "ssh://"); ok {
		hostPort, _, _ := strings.Cut(rest, "/")
		if _, h, ok := strings.Cut(hostPort, "@"); ok {
			hostPort = h
		}
		if h, p, ok := strings.Cut(hostPort, ":"); ok {
			return h, p
		}
		return hostPort, ""
	}
	hostPart, _, _ := strings.Cut(uri, ":")
	if _, h, ok := strings.Cut(hostPart, "@"); ok {
		return h, ""
	}
	return hostPart, ""
}

func publicKeyBytes(v string) []byte {
	b, _ := decoded(v)
	return b
}
