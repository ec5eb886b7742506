package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// pagerDutyType is a PagerDuty service reached through the Events API v2.
// Unlike the webhook kinds (hook.go), PagerDuty's events endpoint is one
// public URL, the same for every service: the secret is the service's
// integration key (the events' routing_key), kept in spec.password;
// spec.uri is the Events API's base URL.
func pagerDutyType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "pager_duty",
		Description: "PagerDuty service, alerted through the Events API v2 with its integration key",
		Group:       tether.GroupNotification,
		URI:         "base URL of the Events API, e.g. https://events.pagerduty.com",
		Example: &tether.ConnectionSpec{Type: "pager_duty", URI: "https://events.pagerduty.com",
			Password: tether.Secret(b64("0123456789abcdef0123456789abcdef"))},
		Fields: []tether.Field{
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "Integration key of the service (the events' routing_key), base64-encoded"},
		},
		Check:  checkPagerDuty,
		Render: renderPagerDuty,
		Airflow: &tether.AirflowForm{
			ConnTypes: []string{"pagerduty_events"},
			To: func(c *tether.Connection) (*tether.AirflowConnection, error) {
				return &tether.AirflowConnection{ConnType: "pagerduty_events", Description: c.Spec.Description,
					Password: tether.Secret(secretBytes(c.Spec.Password))}, nil
			},
			From: func(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
				if a.Password == "" {
					return nil, tether.Errorf(tether.EINVALID, "an Airflow pagerduty_events connection needs the integration key in password")
				}
				return &tether.ConnectionSpec{URI: "https://events.pagerduty.com", Description: a.Description,
					Password: tether.Secret(b64(a.Password.Reveal()))}, nil
			},
		},
	}
}

// checkPagerDuty checks the base URL and the key's form: PagerDuty's
// integration keys are 32 letters and digits.
func checkPagerDuty(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := baseURLProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	if key, ok := decoded(s.Password.Reveal()); ok && (len(key) != 32 || !isToken(string(key), 32) ||
		strings.ContainsAny(string(key), "-_.")) {
		p.Add("spec.password", "must be base64 of an integration key: 32 letters and digits")
	}
}

// renderPagerDuty gives the key under the names PagerDuty's clients use
// and the events endpoint.
func renderPagerDuty(c *tether.Connection, _ string) (*tether.Rendering, error) {
	r := newRendering()
	key := string(secretBytes(c.Spec.Password))
	r.Env["PAGERDUTY_ROUTING_KEY"] = key
	r.Env["PAGERDUTY_INTEGRATION_KEY"] = key
	r.Env["PAGERDUTY_EVENTS_URL"] = strings.TrimSuffix(c.Spec.URI, "/") + "/v2/enqueue"
	return r, nil
}
