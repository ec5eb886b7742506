package conntype

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// The database kinds (postgres, mysql, redis, ...) share one model, which
// each kind's file fills in with a dbKind:
//
//   - spec.uri is the server's address in the URL form of the kind's
//     clients, without credentials: scheme://host[:port][/database][?options]
//     (postgres://db.example:5432/analytics?sslmode=require). The host, the
//     port (the kind's default when the uri names none), the database and
//     the options (the query string, passed on unchanged) come from it. A
//     uri that carries a user or a password is refused: they belong in
//     spec.username and spec.password, which are kept apart, the password
//     sealed.
//   - spec.username is the login and spec.password its password (secret,
//     base64 on the wire, as Odahu's password field). Which a kind
//     requires is its dbKind's login and password.
//   - every rendering has DATABASE_URL: the uri with the credentials
//     (percent-encoded) in its userinfo, the form the kind's URL-taking
//     drivers read, beside the variables and files of its native tools.
//     Rendered values that embed a secret are declared in
//     Rendering.Derived, so that output masking hides them.

// need says whether a kind uses a credential field, and whether it must be
// set.
type need int

const (
	needNone     need = iota // the field is refused
	needOptional             // the field may be set
	needRequired             // the field must be set
)

// Host forms of a kind's uri.
const (
	dbOneHost   = iota // one host[:port]
	dbManyHosts        // host[:port][,host[:port]...] (a cluster's seeds)
	dbNoHost           // no host: the path is a file (sqlite)
	dbOpaque           // the uri is the kind's own (jdbc:...), not parsed
)

// dbKind declares one database kind: everything its file says besides its
// renderer.
type dbKind struct {
	name    string
	desc    string   // the Description
	example string   // an example uri, for messages and docs
	schemes []string // the uri schemes accepted, e.g. postgres, postgresql
	port    int      // the default port; 0 for none
	hosts   int      // one of the db*Host(s) forms
	login   need     // spec.username
	secret  need     // spec.password
	// userDoc and passDoc describe spec.username and spec.password.
	userDoc, passDoc string
	params           []tether.Parameter
	// exampleParams are the parameters of the kind's example, those it
	// requires among them.
	exampleParams tether.Params
	// check adds the kind's own rules on a parsed uri, if set.
	check func(t *dbTarget, p *tether.Problems)
	// env adds the kind's native variables and files to r, if set; dir
	// is where the files go, as for tether.ConnectionType.Render.
	env func(t *dbTarget, r *tether.Rendering, dir string)
	// airflow are the Airflow conn_types of the kind, the first exported.
	airflow []string
	// toAirflow and fromAirflow adjust the generic Airflow mapping, if set.
	toAirflow   func(t *dbTarget, a *tether.AirflowConnection)
	fromAirflow func(a *tether.AirflowConnection, u *airflowURI, s *tether.ConnectionSpec) error
}

// dbTarget is a valid connection of a database kind, parsed.
type dbTarget struct {
	kind    *dbKind
	uri     string
	scheme  string
	hosts   []dbHost
	path    string     // the uri's path, unescaped, without its leading '/'
	options url.Values // the uri's query
	user    string
	pass    string        // the password, decoded
	params  tether.Params // spec.parameters, as posted
}

// dbHost is one host of a uri.
type dbHost struct {
	name string // a DNS name, an IPv4 or a bracketed IPv6 address
	port int    // the uri's port, or the kind's default
	set  bool   // whether the uri names the port
}

// dbType returns the connection type that k declares.
func dbType(k *dbKind) *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        k.name,
		Description: k.desc + ". uri: " + k.example + " (no credentials in it)",
		Group:       tether.GroupDatabase,
		URI:         "the server's URL without credentials, e.g. " + k.example,
		Example:     k.exampleSpec(),
		Fields:      k.fields(),
		Parameters:  k.params,
		Check:       k.checkSpec,
		Render:      k.render,
		Airflow: &tether.AirflowForm{ConnTypes: k.airflow, To: k.airflowTo,
			From: k.airflowFrom},
	}
}

// exampleSpec is the kind's example: its example uri, a login and a
// password where it takes them, and its example parameters.
func (k *dbKind) exampleSpec() *tether.ConnectionSpec {
	s := &tether.ConnectionSpec{URI: k.example, Description: k.desc + " of the analytics team"}
	if k.login != needNone {
		s.Username = "etl"
	}
	if k.secret != needNone {
		s.Password = tether.Secret(b64("example-password"))
	}
	if len(k.exampleParams) > 0 {
		s.Parameters = maps.Clone(k.exampleParams)
	}
	return s
}

// fields declares spec.username and spec.password as the kind uses them.
func (k *dbKind) fields() []tether.Field {
	var out []tether.Field
	if k.login != needNone {
		doc := k.userDoc
		if doc == "" {
			doc = "Login (user name) on the server"
		}
		out = append(out, tether.Field{Name: "username", Required: k.login == needRequired, Description: doc})
	}
	if k.secret != needNone {
		doc := k.passDoc
		if doc == "" {
			doc = "Password of the login, base64-encoded"
		}
		out = append(out, tether.Field{Name: "password", Required: k.secret == needRequired,
			Secret: true, Base64: true, Description: doc})
	}
	return out
}

// checkSpec checks the uri, and the decoded password.
func (k *dbKind) checkSpec(s *tether.ConnectionSpec, p *tether.Problems) {
	checkDecodedText("spec.password", s.Password.Reveal(), p)
	if s.URI == "" {
		return
	}
	t, msg := k.parse(s)
	if msg != "" {
		p.Add("spec.uri", msg)
		return
	}
	if k.check != nil {
		k.check(t, p)
	}
}

// target parses a valid connection's spec.
func (k *dbKind) target(c *tether.Connection) (*dbTarget, error) {
	t, msg := k.parse(&c.Spec)
	if msg != "" {
		return nil, tether.Errorf(tether.EINVALID, "connection %q: spec.uri: %s", c.ID, msg)
	}
	return t, nil
}

// parse parses s's uri, or returns why it is not one of k's. Its messages
// quote nothing of the uri.
func (k *dbKind) parse(s *tether.ConnectionSpec) (*dbTarget, string) {
	t := &dbTarget{kind: k, uri: s.URI, user: s.Username,
		pass: string(secretBytes(s.Password)), params: s.Parameters}
	if k.hosts == dbOpaque {
		return t, ""
	}
	u, msg := splitDBURI(s.URI)
	if msg != "" {
		return nil, msg
	}
	t.scheme = u.scheme
	if !slices.Contains(k.schemes, u.scheme) {
		return nil, "must start with " + k.schemeList() + ", e.g. " + k.example
	}
	if msg := t.setHosts(u.authority); msg != "" {
		return nil, msg
	}
	path, err := url.PathUnescape(u.path)
	if err != nil || hasControl(path) {
		return nil, "has an invalid path (a bad %-escape or a control character)"
	}
	opts, err := url.ParseQuery(u.query)
	if err != nil || hasControl(u.query) || strings.ContainsAny(u.query, " ") {
		return nil, "has an invalid query string (options): write key=value pairs joined by &, %-escaped"
	}
	t.path, t.options = path, opts
	return t, ""
}

// schemeList names k's schemes for messages: "postgres:// or postgresql://".
func (k *dbKind) schemeList() string {
	l := make([]string, len(k.schemes))
	for i, s := range k.schemes {
		l[i] = s + "://"
	}
	return strings.Join(l, " or ")
}

// dbURIParts are the parts of a database uri, still escaped.
type dbURIParts struct {
	scheme, authority, path, query string
}

// splitDBURI splits uri into its parts, or returns why it is not
// scheme://authority[/path][?query] without credentials or fragment.
func splitDBURI(uri string) (dbURIParts, string) {
	var u dbURIParts
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok || !isToken(strings.ReplaceAll(scheme, "+", "."), 32) {
		return u, "must be a URL: scheme://host[:port][/database][?options]"
	}
	if strings.Contains(rest, "#") {
		return u, "must not have a fragment (#)"
	}
	rest, u.query, _ = strings.Cut(rest, "?")
	u.authority, u.path, _ = strings.Cut(rest, "/")
	if i := strings.LastIndexByte(u.authority, '@'); i >= 0 {
		if strings.Contains(u.authority[:i], ":") {
			return u, "must not carry a password (user:password@): give it in spec.password, which is kept secret"
		}
		return u, "must not carry a user (user@): give it in spec.username"
	}
	u.scheme = scheme
	return u, ""
}

// setHosts sets t's hosts from the uri's authority, or returns why it is
// not the host form of t's kind.
func (t *dbTarget) setHosts(authority string) string {
	k := t.kind
	switch {
	case k.hosts == dbNoHost && authority != "":
		return "must not name a host: give " + k.schemes[0] + ":///absolute/path"
	case k.hosts == dbNoHost:
		return ""
	case authority == "":
		return "must name a host: " + k.example
	case k.hosts == dbOneHost && strings.Contains(authority, ","):
		return "must name one host[:port]"
	}
	for _, hp := range strings.Split(authority, ",") {
		h := dbHost{name: hp, port: k.port}
		if i := strings.LastIndexByte(hp, ':'); i >= 0 && !strings.HasSuffix(hp, "]") {
			if !validPort(hp[i+1:]) {
				return "has an invalid port (1 to 65535)"
			}
			h.name, h.set = hp[:i], true
			h.port, _ = strconv.Atoi(hp[i+1:])
		}
		if !validHost(h.name) {
			return "has an invalid host: give a DNS name, an IPv4 address or a bracketed IPv6 address"
		}
		t.hosts = append(t.hosts, h)
	}
	return ""
}

// host returns the first host's name and port.
func (t *dbTarget) host() (string, int) {
	if len(t.hosts) == 0 {
		return "", 0
	}
	return strings.Trim(t.hosts[0].name, "[]"), t.hosts[0].port
}

// hostPort is the first host as host:port, with its default port.
func (t *dbTarget) hostPort() string {
	h, port := t.host()
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return h + ":" + strconv.Itoa(port)
}

// authority is the uri's hosts as given: host[:port][,host[:port]...].
func (t *dbTarget) authority() string {
	l := make([]string, len(t.hosts))
	for i, h := range t.hosts {
		l[i] = h.name
		if h.set {
			l[i] += ":" + strconv.Itoa(h.port)
		}
	}
	return strings.Join(l, ",")
}

// userinfo returns the credentials as a URL's userinfo, or nil.
func (t *dbTarget) userinfo() *url.Userinfo {
	switch {
	case t.pass != "":
		return url.UserPassword(t.user, t.pass)
	case t.user != "":
		return url.User(t.user)
	}
	return nil
}

// url is the uri with the credentials in its userinfo: DATABASE_URL.
func (t *dbTarget) url() string {
	if t.kind.hosts == dbOpaque {
		return t.uri
	}
	u := &url.URL{Scheme: t.scheme, User: t.userinfo(), Host: t.authority(),
		RawQuery: t.options.Encode()}
	if t.path != "" {
		u.Path = "/" + t.path
	}
	return u.String()
}

// escapePath %-escapes a path as URLs do.
func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// option returns the uri's option key, or "".
func (t *dbTarget) option(key string) string { return t.options.Get(key) }

// render renders a connection of kind k: DATABASE_URL, then the kind's
// own variables and files; every value that embeds a secret without being
// it is declared derived.
func (k *dbKind) render(c *tether.Connection, dir string) (*tether.Rendering, error) {
	t, err := k.target(c)
	if err != nil {
		return nil, err
	}
	r := newRendering()
	r.Env["DATABASE_URL"] = t.url()
	if k.env != nil {
		k.env(t, r, dir)
	}
	secrets := []string{t.pass}
	for _, prm := range k.params {
		if prm.Secret {
			secrets = append(secrets, string(paramBytes(c, prm.Name)))
		}
	}
	r.Derived = derivedValues(r, secrets)
	return r, nil
}

// derivedValues returns the values of r's variables and files that hold
// one of secrets, as is or escaped as URLs escape it, without being it.
func derivedValues(r *tether.Rendering, secrets []string) []string {
	var forms []string
	for _, s := range secrets {
		if s != "" {
			userinfo := strings.TrimPrefix(url.UserPassword("", s).String(), ":")
			forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s), userinfo)
		}
	}
	var out []string
	add := func(v string) {
		for _, f := range forms {
			if strings.Contains(v, f) && !slices.Contains(secrets, v) && !slices.Contains(out, v) {
				out = append(out, v)
				return
			}
		}
	}
	for _, k := range sortedKeys(r.Env) {
		add(r.Env[k])
	}
	for _, k := range sortedKeys(r.Files) {
		add(string(r.Files[k]))
	}
	return out
}

// sortedKeys returns m's keys, sorted, so that renderings are stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
