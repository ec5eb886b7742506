package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// jenkinsType is a Jenkins server reached with a user's API token.
func jenkinsType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "jenkins",
		Description: "Jenkins server, reached with a user and its API token",
		Group:       tether.GroupService,
		URI:         "http(s)://<host>[:<port>][/<path>], e.g. https://jenkins.example.com",
		Example: &tether.ConnectionSpec{Type: "jenkins", URI: "https://jenkins.example.com",
			Username: "ci-bot", Password: tether.Secret(b64("11223344556677889900aabbccddeeff00"))},
		Fields: []tether.Field{
			{Name: "username", Required: true, Description: "Jenkins user the API token belongs to"},
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "API token of the user (Jenkins: user > Configure > API Token), base64-encoded"},
		},
		Check:   checkJenkins,
		Render:  renderJenkins,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"jenkins"}, To: jenkinsToAirflow, From: jenkinsFromAirflow},
	}
}

func checkJenkins(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := serviceURLProblem(s.URI, true, "http", "https"); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	checkDecodedText("spec.password", s.Password.Reveal(), p)
}

// renderJenkins gives the variables jenkins-cli reads (JENKINS_URL,
// JENKINS_USER_ID, JENKINS_API_TOKEN).
func renderJenkins(c *tether.Connection, _ string) (*tether.Rendering, error) {
	r := newRendering()
	user, token := userPassword(c)
	r.Env["JENKINS_URL"], r.Env["JENKINS_USER_ID"], r.Env["JENKINS_API_TOKEN"] = c.Spec.URI, user, token
	return r, nil
}

// jenkinsToAirflow gives what Airflow's JenkinsHook reads: host, port
// (it always puts one in the URL), schema (the path) and use_https.
func jenkinsToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	user, token := userPassword(c)
	https := strings.HasPrefix(strings.ToLower(c.Spec.URI), "https:")
	defaultPort := 80
	if https {
		defaultPort = 443
	}
	host, _, path := airflowHostPort(c.Spec.URI)
	_, port := hostPort(c.Spec.URI, defaultPort)
	return &tether.AirflowConnection{ConnType: "jenkins", Description: c.Spec.Description, Host: host, Port: port,
		Schema: path, Login: user, Password: tether.Secret(token), Extra: map[string]any{"use_https": https}}, nil
}

func jenkinsFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	scheme := "http"
	if v := a.Extra["use_https"]; v == true || v == "true" || v == "True" {
		scheme = "https"
	}
	b := *a
	if (scheme == "https" && b.Port == 443) || (scheme == "http" && b.Port == 80) {
		b.Port = 0
	}
	uri, err := uriFromAirflow(&b, scheme, a.Schema)
	if err != nil {
		return nil, err
	}
	return &tether.ConnectionSpec{URI: uri, Description: a.Description, Username: a.Login,
		Password: b64Secret(a.Password.Reveal())}, nil
}
