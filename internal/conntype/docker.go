package conntype

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/tether-ml/tether"
)

// dockerType is a Docker registry reached with a username and password.
// Odahu's rules: username and password required; the uri is the registry
// host, without scheme.
func dockerType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "docker",
		Description: "Docker registry reached with a username and password, e.g. gcr.io/project",
		Fields: []tether.Field{
			{Name: "username", Required: true,
				Description: `Registry username (e.g. "_json" for a GCR service-account key)`},
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "Registry password or token, base64-encoded"},
		},
		Check:  checkDocker,
		Render: renderDocker,
	}
}

// checkDocker checks the uri, the username and the decoded password.
func checkDocker(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := dockerURIProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	if pw, ok := decoded(s.Password.Reveal()); ok && echoed(string(pw)) {
		p.Add("spec.password", `must not decode to a line ending in a newline (encode with "echo -n VALUE | base64")`)
	}
	if strings.Contains(s.Username, ":") && clean(s.Username) {
		p.Add("spec.username", `must not contain ':' (registry basic auth joins "username:password")`)
	}
}

// echoed reports whether a password is one line followed by a newline: the
// mark of "echo VALUE | base64". Other newlines are the password's own (a
// JSON key, for "_json" on GCR).
func echoed(pw string) bool {
	line, ok := strings.CutSuffix(pw, "\n")
	return ok && line != "" && !strings.Contains(line, "\n")
}

// dockerURIProblem returns why uri is not host[:port][/path], or "".
func dockerURIProblem(uri string) string {
	if strings.Contains(uri, "://") {
		return "must not contain a scheme: give the registry host[:port][/path], e.g. docker.io/org"
	}
	host, path, hasPath := strings.Cut(uri, "/")
	if !validHostPort(host) {
		return "must be a registry host[:port][/path], e.g. docker.io/org or localhost:5000"
	}
	if hasPath && path != "" && !validRepoPath(path) {
		return "path must be lowercase repository components separated by '/', without tag or digest"
	}
	return ""
}

// renderDocker writes a docker config.json whose auths entry for the
// registry host holds base64("user:password"), and points DOCKER_CONFIG at
// its directory.
func renderDocker(c *tether.Connection, dir string) (*tether.Rendering, error) {
	host, _, _ := strings.Cut(c.Spec.URI, "/")
	auth := base64.StdEncoding.EncodeToString([]byte(c.Spec.Username + ":" + string(secretBytes(c.Spec.Password))))
	cfg, err := json.MarshalIndent(map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}}, "", "  ")
	if err != nil {
		return nil, tether.Internal("conntype.renderDocker", err)
	}
	r := newRendering()
	r.Files["config.json"] = append(cfg, '\n')
	r.Env["DOCKER_CONFIG"] = dir
	r.Derived = []string{auth}
	return r, nil
}
