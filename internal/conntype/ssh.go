package conntype

import (
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/tether-ml/tether"
)

// sshType is a host reached over SSH with a private key or a password.
// publicKey, if given, pins the host key (strict checking against it);
// without it ssh checks the user's own known_hosts.
func sshType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "ssh",
		Description: "Host reached over SSH with a private key or a password",
		Group:       tether.GroupService,
		URI:         "ssh://<host>[:<port>], e.g. ssh://bastion.example.com:2222",
		Example: &tether.ConnectionSpec{Type: "ssh", URI: "ssh://bastion.example.com", Username: "ops",
			Password: tether.Secret(b64("s3cr3t"))},
		Fields: []tether.Field{
			{Name: "username", Required: true, Description: "User to log in as"},
			{Name: "keySecret", Secret: true, Base64: true,
				Description: "SSH private key without passphrase, base64-encoded (base64 -w0 ~/.ssh/id_ed25519)"},
			{Name: "password", Secret: true, Base64: true,
				Description: "Password of the user, when there is no key, base64-encoded (rendered as SSHPASS, for sshpass -e)"},
			{Name: "publicKey", Base64: true,
				Description: "Server's SSH host key line(s) as ssh-keyscan prints them, base64-encoded; pins the host key"},
		},
		Check:   checkSSH,
		Render:  renderSSH,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"ssh"}, To: sshToAirflow, From: sshFromAirflow},
	}
}

// checkSSH checks the uri, the user, the key or password, and the host
// keys.
func checkSSH(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := serviceURLProblem(s.URI, false, "ssh"); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	if s.Username != "" && !sshUser(s.Username, true) {
		p.Add("spec.username", "must be a user name: letters, digits, '_', '.' and '-', not starting with '-'")
	}
	if s.KeySecret == "" && s.Password == "" {
		p.Add("spec.keySecret", "required by type ssh, unless spec.password is set")
	}
	if key, ok := decoded(s.KeySecret.Reveal()); ok {
		if msg := privateKeyProblem(key); msg != "" {
			p.Add("spec.keySecret", msg)
		}
	}
	checkDecodedText("spec.password", s.Password.Reveal(), p)
	if keys, ok := decoded(s.PublicKey); ok {
		if msg := hostKeysProblem(keys); msg != "" {
			p.Add("spec.publicKey", msg)
		}
	}
}

// renderSSH writes an ssh_config for the host (user, port, key, pinned
// host keys, strict checking) so that SSH_COMMAND, "ssh -F <config>",
// followed by SSH_HOST reaches it; the same command serves as
// GIT_SSH_COMMAND or rsync -e. A password is given as SSHPASS (sshpass -e)
// and in the file sshpass (sshpass -f), for a delivery of files alone.
func renderSSH(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	host, port := hostPort(c.Spec.URI, 22)
	cfg := "Host " + host + "\n  HostName " + host + "\n  Port " + strconv.Itoa(port) +
		"\n  User " + c.Spec.Username + "\n  StrictHostKeyChecking yes\n"
	if c.Spec.KeySecret != "" {
		r.Files["id_key"] = secretBytes(c.Spec.KeySecret)
		cfg += "  IdentityFile " + sshConfigQuote(dirPath(dir, "id_key")) + "\n  IdentitiesOnly yes\n"
	}
	if c.Spec.Password == "" {
		cfg += "  BatchMode yes\n"
	} else {
		r.Env["SSHPASS"] = string(secretBytes(c.Spec.Password))
		r.Files["sshpass"] = secretBytes(c.Spec.Password)
	}
	if c.Spec.PublicKey != "" {
		r.Files["known_hosts"] = knownHosts(c.Spec.URI, string(publicKeyBytes(c.Spec.PublicKey)))
		cfg += "  UserKnownHostsFile " + sshConfigQuote(dirPath(dir, "known_hosts")) + "\n  GlobalKnownHostsFile /dev/null\n"
	}
	r.Files["ssh_config"] = []byte(cfg)
	r.Env["SSH_HOST"], r.Env["SSH_PORT"], r.Env["SSH_USER"] = host, strconv.Itoa(port), c.Spec.Username
	r.SetFileEnv("SSH_COMMAND", "ssh -F "+ShellQuote(dirPath(dir, "ssh_config")))
	return r, nil
}

// sshConfigQuote quotes a path for ssh_config, which takes double quotes.
func sshConfigQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "") + `"`
}

// sshToAirflow gives what Airflow's SSHHook reads: host, port, login,
// password, and in extra the private key and the pinned host key
// ("keytype base64", the first one pinned).
func sshToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	host, port, _ := airflowHostPort(c.Spec.URI)
	a := &tether.AirflowConnection{ConnType: "ssh", Description: c.Spec.Description, Host: host, Port: port,
		Login: c.Spec.Username, Password: tether.Secret(secretBytes(c.Spec.Password)), Extra: map[string]any{}}
	if c.Spec.KeySecret != "" {
		a.Extra["private_key"] = string(secretBytes(c.Spec.KeySecret))
	}
	if key := parsedHostKey(c.Spec.PublicKey); key != "" {
		a.Extra["host_key"], a.Extra["no_host_key_check"] = key, "false"
	}
	return a, nil
}

// parsedHostKey returns the first host key publicKey pins as
// "keytype base64", or "".
func parsedHostKey(publicKey string) string {
	for _, line := range strings.Split(string(publicKeyBytes(publicKey)), "\n") {
		if key := parseHostKeyLine([]byte(strings.TrimSpace(line))); key != nil {
			return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
		}
	}
	return ""
}

func sshFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	uri, err := uriFromAirflow(a, "ssh", "")
	if err != nil {
		return nil, err
	}
	s := &tether.ConnectionSpec{URI: uri, Description: a.Description, Username: a.Login, Password: b64Secret(a.Password.Reveal())}
	if key, _ := a.Extra["private_key"].(string); key != "" {
		s.KeySecret = b64Secret(key)
	}
	if hk, _ := a.Extra["host_key"].(string); hk != "" {
		s.PublicKey = b64(hk + "\n")
	}
	return s, nil
}
