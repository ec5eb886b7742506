package conntype

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// The uri rules and helpers of the service kinds (ssh, ftp, samba, http,
// grpc, jenkins, segment): a URL of one of the kind's schemes, with a
// host, an optional port and, where the kind takes one, a path; never a
// user, password, query or fragment, since the uri is not secret.

// serviceURLProblem returns why uri is not <scheme>://host[:port][/path]
// with one of schemes (and no path unless withPath), or "".
func serviceURLProblem(uri string, withPath bool, schemes ...string) string {
	form := "must be " + strings.Join(schemes, "|") + "://<host>[:<port>]"
	if withPath {
		form += "[/<path>]"
	}
	u, err := url.Parse(uri)
	switch {
	case err != nil || u.Opaque != "" || !containsFold(schemes, u.Scheme) || !validHostPort(u.Host) || u.Hostname() == "":
		return form
	case u.User != nil:
		return "must not embed credentials (user:password@): it is not secret"
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return form + ", without query or fragment"
	case !withPath && u.Path != "" && u.Path != "/":
		return form + ", without a path"
	case hasControl(u.Path) || strings.ContainsAny(u.Path, " \t"):
		return "path must not contain spaces or control characters"
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// hostPort returns the host and port of a valid service uri, the port
// being defaultPort when the uri gives none.
func hostPort(uri string, defaultPort int) (string, int) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", defaultPort
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		port = defaultPort
	}
	return u.Hostname(), port
}

// joinHostPort is net.JoinHostPort with an int port.
func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// netrc returns a .netrc entry for host, which curl (--netrc-file), ftp
// and Python's netrc read. Values are quoted when they hold a space or a
// quote, as curl and GNU inetutils' ftp understand.
func netrc(host, user, password string) []byte {
	q := func(s string) string {
		if !strings.ContainsAny(s, " \t\"\\") && s != "" {
			return s
		}
		return strconv.Quote(s)
	}
	return []byte("machine " + host + " login " + q(user) + " password " + q(password) + "\n")
}

// airflowHostPort splits the uri of a service for Airflow's model: host
// without scheme, the port if the uri gives one, and the path without its
// leading slash (Airflow's schema).
func airflowHostPort(uri string) (host string, port int, path string) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", 0, ""
	}
	port, _ = strconv.Atoi(u.Port())
	return u.Hostname(), port, strings.TrimPrefix(u.Path, "/")
}

// uriFromAirflow builds scheme://host[:port][/path] from Airflow's fields;
// an error names what a lacks. A host that is already a URL is kept.
func uriFromAirflow(a *tether.AirflowConnection, scheme, path string) (string, error) {
	if a.Host == "" {
		return "", tether.Errorf(tether.EINVALID, "an Airflow %s connection needs a host", a.ConnType)
	}
	if strings.Contains(a.Host, "://") {
		return a.Host, nil
	}
	hostport := a.Host
	if strings.Contains(a.Host, ":") && !strings.HasPrefix(a.Host, "[") {
		hostport = "[" + a.Host + "]"
	}
	if a.Port != 0 {
		hostport = joinHostPort(strings.Trim(hostport, "[]"), a.Port)
	}
	uri := scheme + "://" + hostport
	if path = strings.Trim(path, "/"); path != "" {
		uri += "/" + path
	}
	return uri, nil
}

// userPassword returns the username and the decoded password of c.
func userPassword(c *tether.Connection) (string, string) {
	return c.Spec.Username, string(secretBytes(c.Spec.Password))
}

// b64Secret returns s as a base64 secret field, or "" for "".
func b64Secret(s string) tether.Secret {
	if s == "" {
		return ""
	}
	return tether.Secret(b64(s))
}
