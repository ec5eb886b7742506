package conntype

import (
	"net/url"
	"strings"

	"github.com/tether-ml/tether"
)

// A hook is a notification kind reached by an incoming-webhook URL (slack,
// discord, mattermost, hipchat, webhook). The URL carries its own
// credential (Slack's and Discord's tokens are path segments, HipChat's an
// auth_token query), so the whole URL is the secret: it is kept in
// spec.password, sealed and masked. spec.uri holds only the service's
// base URL (scheme and host, e.g. https://hooks.slack.com), which is not
// secret and which the webhook URL must start with: a list of connections
// tells where each one posts without revealing how.

// hookSpec describes one hook kind.
type hookSpec struct {
	name, description string
	host              string // the service's usual base URL, for the example
	path              string // a made-up path of a webhook URL, for the example
	env               string // the variable that carries the URL, e.g. SLACK_WEBHOOK_URL
	airflow           string // Airflow's conn_type
}

// hookType returns the connection type of a hook kind.
func hookType(h hookSpec) *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        h.name,
		Description: h.description,
		Group:       tether.GroupNotification,
		URI:         "<scheme>://<host> of the service, not secret, e.g. " + h.host,
		Example: &tether.ConnectionSpec{Type: h.name, URI: h.host,
			Password: tether.Secret(b64(h.host + h.path))},
		Fields: []tether.Field{
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "The webhook URL, which is the secret (it carries the token), base64-encoded; " +
					"it must start with spec.uri"},
		},
		Check:   checkHook,
		Render:  func(c *tether.Connection, _ string) (*tether.Rendering, error) { return renderHook(h, c), nil },
		Airflow: hookAirflow(h.airflow),
	}
}

// checkHook checks the base URL and that the webhook URL is an http(s)
// URL under it. Neither message quotes the webhook URL.
func checkHook(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := baseURLProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	hook, ok := decoded(s.Password.Reveal())
	switch {
	case !ok:
	case hasControl(string(hook)):
		p.Add("spec.password", msgDecodedControl)
	case urlProblem(string(hook)) != "":
		p.Add("spec.password", "must be base64 of the webhook URL, an absolute http(s) URL")
	case baseURLProblem(s.URI) == "" && !underBase(string(hook), s.URI):
		p.Add("spec.password", "the webhook URL must start with spec.uri (its scheme and host)")
	}
}

// baseURLProblem returns why s is not an http(s) URL with a host and
// nothing secret (no user, query or fragment), or "".
func baseURLProblem(s string) string {
	if msg := urlProblem(s); msg != "" {
		return msg
	}
	if u, _ := url.Parse(s); u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "must have no query or fragment: it is not secret"
	}
	return ""
}

// underBase reports whether u is base or a URL under it, compared as
// scheme, host and path prefix.
func underBase(u, base string) bool {
	pu, err1 := url.Parse(u)
	pb, err2 := url.Parse(base)
	if err1 != nil || err2 != nil {
		return false
	}
	prefix := strings.TrimSuffix(pb.Path, "/")
	return strings.EqualFold(pu.Scheme, pb.Scheme) && strings.EqualFold(pu.Host, pb.Host) &&
		(pu.Path == prefix || strings.HasPrefix(pu.Path, prefix+"/"))
}

// renderHook gives the webhook URL in the kind's variable and in
// WEBHOOK_URL, which generic senders read.
func renderHook(h hookSpec, c *tether.Connection) *tether.Rendering {
	r := newRendering()
	hook := string(secretBytes(c.Spec.Password))
	r.Env[h.env] = hook
	r.Env["WEBHOOK_URL"] = hook
	return r
}

// hookAirflow maps a hook to Airflow: host is the base URL and password
// the webhook URL, as Airflow's Slack and Discord webhook hooks read it
// (they also take a password relative to host, which From joins).
func hookAirflow(connType string) *tether.AirflowForm {
	return &tether.AirflowForm{
		ConnTypes: []string{connType},
		To: func(c *tether.Connection) (*tether.AirflowConnection, error) {
			return &tether.AirflowConnection{ConnType: connType, Description: c.Spec.Description,
				Host: c.Spec.URI, Password: tether.Secret(secretBytes(c.Spec.Password))}, nil
		},
		From: func(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
			hook := a.Password.Reveal()
			if hook == "" {
				return nil, tether.Errorf(tether.EINVALID, "an Airflow %s connection needs the webhook URL in password", connType)
			}
			if !strings.Contains(hook, "://") {
				hook = strings.TrimSuffix(a.Host, "/") + "/" + strings.TrimPrefix(hook, "/")
			}
			u, err := url.Parse(hook)
			if err != nil || u.Host == "" {
				return nil, tether.Errorf(tether.EINVALID, "an Airflow %s connection's password and host make no webhook URL", connType)
			}
			return &tether.ConnectionSpec{URI: u.Scheme + "://" + u.Host, Description: a.Description,
				Password: tether.Secret(b64(hook))}, nil
		},
	}
}
