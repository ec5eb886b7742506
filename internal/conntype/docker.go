package conntype

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/tether-ml/tether"
)

// dockerType is a Docker registry reached with a username and password.
// Odahu's rules: username and password required; the uri is the registry
// host, without scheme. The caBundle parameter is Kaptain's registry
// certificate provider: the CA of a registry whose certificate is not
// publicly trusted.
func dockerType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:  "docker",
		Group: tether.GroupRegistry,
		URI:   "<registry host>[/path], without a scheme, e.g. gcr.io/project/models",
		Example: &tether.ConnectionSpec{
			URI: "gcr.io/project/models", Username: "_json",
			Password:    tether.Secret(b64("registry-password")),
			Description: "Images of the model servers"},
		Description: "Docker registry reached with a username and password, e.g. gcr.io/project",
		Fields: withOdahuFields([]tether.Field{
			{Name: "username", Required: true,
				Description: `Registry username (e.g. "_json" for a GCR service-account key)`},
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "Registry password or token, base64-encoded"},
		}),
		Parameters: []tether.Parameter{caBundleParam()},
		Check:      checkDocker,
		Render:     renderDocker,
		Probe:      probeDocker,
		Expiry:     caBundleExpiry,
		Formats:    []tether.FileFormat{dockerConfigFormat()},
		// Kubernetes pulls images with a dockerconfigjson Secret, so one
		// Secret serves as an imagePullSecret too.
		KubeSecret: dockerKubeSecret(),
		Shared:     dockerShared(),
		Airflow:    &tether.AirflowForm{ConnTypes: []string{"docker"}, To: dockerToAirflow, From: dockerFromAirflow},
		Polyaxon:   &tether.PolyaxonForm{Kind: "registry", Schema: registrySchema, Spec: dockerSpec},
	}
}

// dockerToAirflow is Airflow's docker connection (DockerHook): the
// registry as host, its port as port when the uri has no path, and the
// username and password as login and password.
func dockerToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	a := &tether.AirflowConnection{ConnType: "docker", Description: c.Spec.Description, Host: c.Spec.URI,
		Login: c.Spec.Username, Password: tether.Secret(secretBytes(c.Spec.Password))}
	if host, port, err := net.SplitHostPort(c.Spec.URI); err == nil && !strings.Contains(c.Spec.URI, "/") {
		if n, err := strconv.Atoi(port); err == nil {
			a.Host, a.Port = host, n
		}
	}
	return a, nil
}

// dockerFromAirflow reads a docker connection: the host without scheme or
// API version path (https://index.docker.io/v1/ is docker.io), with the
// port put back after it.
func dockerFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	const what = "the Airflow docker connection"
	if a.Host == "" {
		return nil, formError(what, "has no host: the registry")
	}
	host := a.Host
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	host = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(host, "/"), "/v1"), "/v2")
	if authsKey(host) == dockerHubKey {
		host = "docker.io"
	}
	if a.Port != 0 {
		h, path, _ := strings.Cut(host, "/")
		host = strings.TrimSuffix(net.JoinHostPort(h, strconv.Itoa(a.Port))+"/"+path, "/")
	}
	return &tether.ConnectionSpec{Type: "docker", URI: host, Description: a.Description, Username: a.Login,
		Password: tether.Secret(b64(a.Password.Reveal()))}, nil
}

// registrySchema is Polyaxon's registry schema: the uri as url.
func registrySchema(c *tether.Connection) map[string]any {
	return map[string]any{"url": c.Spec.URI}
}

// dockerSpec reads a Polyaxon registry url; an ECR url is an ecr
// connection's, not a docker one's.
func dockerSpec(schema map[string]any, s *tether.ConnectionSpec) error {
	u, err := schemaString(schema, "url")
	if err != nil {
		return err
	}
	if _, rest, ok := strings.Cut(u, "://"); ok {
		u = rest
	}
	if ecrURIPattern.MatchString(u) {
		return formError("the Polyaxon schema", "url names an ECR registry: an ecr connection")
	}
	s.URI = strings.TrimSuffix(u, "/")
	return nil
}

// dockerConfigFormat is the docker config.json of the types that render
// one (docker, ecr).
func dockerConfigFormat() tether.FileFormat {
	return tether.FileFormat{Name: "docker-config", File: "config.json", Description: "a docker config.json"}
}

// dockerKubeSecret is the Secret type of a docker login: a
// kubernetes.io/dockerconfigjson Secret.
func dockerKubeSecret() *tether.KubeSecret {
	return &tether.KubeSecret{Type: "kubernetes.io/dockerconfigjson",
		Keys: map[string]string{"config.json": ".dockerconfigjson"}}
}

// dockerShared is the one docker configuration directory of a job's
// docker logins.
func dockerShared() *tether.SharedFiles {
	return &tether.SharedFiles{Dir: "docker", Env: "DOCKER_CONFIG", Merge: mergeDocker}
}

// checkDocker checks the uri, the username, the decoded password and the
// CA bundle.
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
	checkCABundle(s, p)
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

// dockerHubKey is the auths key under which docker, and the libraries that
// read its configuration (go-containerregistry, docker-py), look up Docker
// Hub's credentials.
const dockerHubKey = "https://index.docker.io/v1/"

// authsKey is the config.json auths key of a registry host.
func authsKey(host string) string {
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return dockerHubKey
	}
	return host
}

// renderDocker writes a docker config.json whose auths entry for the
// registry host holds base64("user:password"), and points DOCKER_CONFIG at
// its directory. A CA bundle goes to certs.d/<host>/ca.crt, the layout of
// Docker's certs.d directory (/etc/docker/certs.d/<host>/ca.crt), under the
// same host key as auths, so that the tree can be mounted there.
func renderDocker(c *tether.Connection, dir string) (*tether.Rendering, error) {
	host, _, _ := strings.Cut(c.Spec.URI, "/")
	auth := base64.StdEncoding.EncodeToString([]byte(c.Spec.Username + ":" + string(secretBytes(c.Spec.Password))))
	cfg, err := json.MarshalIndent(map[string]any{"auths": map[string]any{authsKey(host): map[string]string{"auth": auth}}}, "", "  ")
	if err != nil {
		return nil, tether.Internal("conntype.renderDocker", err)
	}
	r := newRendering()
	r.Files["config.json"] = append(cfg, '\n')
	r.SetFileEnv("DOCKER_CONFIG", dir)
	r.Derived = []string{auth}
	if ca := paramBytes(c, "caBundle"); ca != nil {
		r.Files["certs.d/"+host+"/ca.crt"] = ca
	}
	return r, nil
}

// mergeDocker merges the docker configurations of several connections into
// one: the auths of every config.json (the first connection's entry wins
// for a host) and every certs.d/<host>/ca.crt.
func mergeDocker(rs []*tether.Rendering) (map[string][]byte, error) {
	auths := map[string]json.RawMessage{}
	out := map[string][]byte{}
	for _, r := range rs {
		var cfg struct {
			Auths map[string]json.RawMessage `json:"auths"`
		}
		if err := json.Unmarshal(r.Files["config.json"], &cfg); err != nil {
			return nil, tether.Internal("conntype.mergeDocker", err)
		}
		for host, a := range cfg.Auths {
			if _, ok := auths[host]; !ok {
				auths[host] = a
			}
		}
		for name, data := range r.Files {
			if _, dup := out[name]; !dup && strings.HasPrefix(name, "certs.d/") {
				out[name] = data
			}
		}
	}
	cfg, err := json.MarshalIndent(map[string]any{"auths": auths}, "", "  ")
	if err != nil {
		return nil, tether.Internal("conntype.mergeDocker", err)
	}
	out["config.json"] = append(cfg, '\n')
	return out, nil
}

// probeDocker authenticates to the registry with the stored username and
// password (basic, or the token flow the registry asks for) and lists the
// first tag of the uri's repository; a uri without a path only
// authenticates (GET /v2/ with the credential). A registry on a loopback,
// private or .local host is spoken to in plain HTTP, as docker does.
// Nothing is retried: a probe answers once.
func probeDocker(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeDocker"
	client, err := probeHTTP(c, env)
	if err != nil {
		return "", err
	}
	rt := client.Transport
	if rt == nil {
		rt = &http.Transport{Proxy: nil, DialContext: env.Dial}
	}
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	auth := &authn.Basic{Username: c.Spec.Username, Password: string(secretBytes(c.Spec.Password))}
	host, path, _ := strings.Cut(c.Spec.URI, "/")
	if reg, err := name.NewRegistry(host); err == nil && reg.Scheme() == "https" {
		rt = httpsOnly{next: rt}
	}
	if path == "" {
		return dockerPing(ctx, op, host, auth, rt)
	}
	repo, err := name.NewRepository(strings.TrimSuffix(c.Spec.URI, "/"))
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "uri %q is not a repository name", c.Spec.URI)
	}
	puller, err := remote.NewPuller(remote.WithTransport(rt), remote.WithAuth(auth), remote.WithContext(ctx),
		remote.WithPageSize(1), remote.WithRetryPredicate(func(error) bool { return false }), remote.WithRetryStatusCodes())
	if err != nil {
		return "", tether.Internal(op, err)
	}
	if _, err := puller.Lister(ctx, repo); err != nil {
		return "", dockerProbeError(op, host, repo.RepositoryStr(), err)
	}
	return "listed the tags of " + c.Spec.URI, nil
}

// dockerPing authenticates to the registry at host and asks for its API
// root, which answers 200 only to an accepted credential.
func dockerPing(ctx context.Context, op, host string, auth authn.Authenticator, rt http.RoundTripper) (string, error) {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "uri host %q is not a registry name", host)
	}
	authed, err := transport.NewWithContext(ctx, reg, auth, rt, []string{})
	if err != nil {
		return "", dockerProbeError(op, host, "", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reg.Scheme()+"://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return "", tether.Internal(op, err)
	}
	resp, err := authed.RoundTrip(req)
	if err != nil {
		return "", dockerProbeError(op, host, "", err)
	}
	err = transport.CheckError(resp, http.StatusOK)
	_ = resp.Body.Close()
	if err != nil {
		return "", dockerProbeError(op, host, "", err)
	}
	return "authenticated to " + host, nil
}

// dockerProbeError maps an error of the registry to a tether.Error whose
// message names the HTTP status and error code the registry answered,
// never its text.
func dockerProbeError(op, host, repo string, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return unreachable(op, host, err)
	}
	code := ""
	for _, d := range te.Errors {
		if code = safeCode(string(d.Code)); code != "" {
			break
		}
	}
	answer := fmt.Sprintf("%d", te.StatusCode)
	if code != "" {
		answer += " " + code
	}
	switch {
	case te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden ||
		code == string(transport.UnauthorizedErrorCode) || code == string(transport.DeniedErrorCode):
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "registry " + host + " refused the credential (" + answer + ")"}
	case repo != "" && (te.StatusCode == http.StatusNotFound || code == string(transport.NameUnknownErrorCode)):
		return &tether.Error{Code: tether.ENOTFOUND, Op: op,
			Message: "repository " + repo + " does not exist on " + host + " (" + answer + ")"}
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "registry " + host + " answered " + answer}
}

// httpsOnly refuses plain-HTTP requests: those of an https registry's
// token realm or redirects, which would carry the credential in clear text
// (env.HTTP's redirect policy is lost once a library builds its own client
// from the transport).
type httpsOnly struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (h httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return nil, tether.Errorf(tether.EFORBIDDEN,
			"connection test refused: registry sent the test to host %q in plain %s", req.URL.Hostname(), req.URL.Scheme)
	}
	return h.next.RoundTrip(req)
}
