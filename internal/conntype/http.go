package conntype

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// httpType is an HTTP(S) API: a base URL and basic auth (username and
// password) or a bearer token (password without username).
func httpType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "http",
		Description: "HTTP(S) API: base URL with basic auth or a bearer token",
		Group:       tether.GroupService,
		URI:         "http(s)://<host>[:<port>][/<path>], e.g. https://api.example.com/v1",
		Example: &tether.ConnectionSpec{Type: "http", URI: "https://api.example.com/v1",
			Username: "reader", Password: tether.Secret(b64("s3cr3t"))},
		Fields: []tether.Field{
			{Name: "username", Description: "User of basic auth; without it, password is a bearer token"},
			{Name: "password", Secret: true, Base64: true,
				Description: "Password of basic auth, or the bearer token when there is no username, base64-encoded"},
		},
		Check:  checkHTTP,
		Render: renderHTTP,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"http"}, To: httpToAirflow,
			From: httpFromAirflow},
	}
}

// checkHTTP checks the base URL and the password's text.
func checkHTTP(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := serviceURLProblem(s.URI, true, "http", "https"); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	if s.Username != "" && strings.Contains(s.Username, ":") {
		p.Add("spec.username", "must not contain ':' (basic auth separates user and password with it)")
	}
	checkDecodedText("spec.password", s.Password.Reveal(), p)
	if s.Username != "" && s.Password == "" {
		p.Add("spec.password", "required with a username (basic auth)")
	}
}

// renderHTTP gives the base URL, the credential, the Authorization header
// value clients send and, for basic auth, a .netrc that curl reads
// (curl --netrc-file "$NETRC").
func renderHTTP(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	user, password := userPassword(c)
	r.Env["HTTP_BASE_URL"] = c.Spec.URI
	switch {
	case user != "":
		auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
		r.Env["HTTP_USERNAME"], r.Env["HTTP_PASSWORD"], r.Env["HTTP_AUTHORIZATION"] = user, password, auth
		r.Derived = append(r.Derived, auth)
		host, _ := hostPort(c.Spec.URI, 0)
		r.Files["netrc"] = netrc(host, user, password)
		r.SetFileEnv("NETRC", dirPath(dir, "netrc"))
	case password != "":
		r.Env["HTTP_TOKEN"], r.Env["HTTP_AUTHORIZATION"] = password, "Bearer "+password
		r.Derived = append(r.Derived, "Bearer "+password)
	}
	return r, nil
}

// httpToAirflow gives Airflow's HttpHook what it reads: host (a URL, which
// it uses as the base URL as is), login and password for basic auth, and
// for a bearer token the Authorization header in extra (which it sends as
// headers).
func httpToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	user, password := userPassword(c)
	a := &tether.AirflowConnection{ConnType: "http", Description: c.Spec.Description, Host: c.Spec.URI}
	if user != "" {
		a.Login, a.Password = user, tether.Secret(password)
	} else if password != "" {
		a.Extra = map[string]any{"Authorization": "Bearer " + password}
	}
	return a, nil
}

// httpFromAirflow reads an Airflow http connection: schema is the scheme
// when host is not a URL, and a bearer Authorization header in extra is
// the token.
func httpFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	scheme := a.Schema
	if scheme == "" {
		scheme = "http"
	}
	uri, err := uriFromAirflow(a, scheme, "")
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(uri); err == nil && a.Port != 0 && strings.Contains(a.Host, "://") && u.Port() == "" {
		u.Host = joinHostPort(u.Hostname(), a.Port)
		uri = u.String()
	}
	s := &tether.ConnectionSpec{URI: uri, Description: a.Description, Username: a.Login, Password: b64Secret(a.Password.Reveal())}
	if auth, ok := a.Extra["Authorization"].(string); ok && a.Login == "" {
		if token, ok := strings.CutPrefix(auth, "Bearer "); ok {
			s.Password = b64Secret(token)
		}
	}
	return s, nil
}

// dirPath is filepath.Join(dir, name) for a rendering's file, with dir
// possibly "" (files not written).
func dirPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}
