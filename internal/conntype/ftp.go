package conntype

import (
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// ftpType is an FTP server (ftps:// for FTP over TLS), reached with a user
// and password.
func ftpType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "ftp",
		Description: "FTP server (ftps:// for FTP over TLS), reached with a user and password",
		Group:       tether.GroupService,
		URI:         "ftp|ftps://<host>[:<port>][/<path>], e.g. ftp://ftp.example.com/pub",
		Example: &tether.ConnectionSpec{Type: "ftp", URI: "ftp://ftp.example.com/pub",
			Username: "loader", Password: tether.Secret(b64("s3cr3t"))},
		Fields: []tether.Field{
			{Name: "username", Required: true, Description: "FTP user"},
			{Name: "password", Secret: true, Base64: true, Description: "Password of the user, base64-encoded"},
		},
		Check: func(s *tether.ConnectionSpec, p *tether.Problems) {
			if s.URI != "" {
				if msg := serviceURLProblem(s.URI, true, "ftp", "ftps"); msg != "" {
					p.Add("spec.uri", msg)
				}
			}
			checkDecodedText("spec.password", s.Password.Reveal(), p)
		},
		Render: renderFTP,
		Airflow: &tether.AirflowForm{
			ConnTypes: []string{"ftp", "ftps"},
			To: func(c *tether.Connection) (*tether.AirflowConnection, error) {
				user, password := userPassword(c)
				host, port, path := airflowHostPort(c.Spec.URI)
				ct := strings.ToLower(c.Spec.URI[:strings.Index(c.Spec.URI, ":")])
				return &tether.AirflowConnection{ConnType: ct, Description: c.Spec.Description, Host: host, Port: port,
					Schema: path, Login: user, Password: tether.Secret(password)}, nil
			},
			From: func(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
				uri, err := uriFromAirflow(a, a.ConnType, a.Schema)
				if err != nil {
					return nil, err
				}
				return &tether.ConnectionSpec{URI: uri, Description: a.Description, Username: a.Login,
					Password: b64Secret(a.Password.Reveal())}, nil
			},
		},
	}
}

// renderFTP gives the server's parts and a .netrc, which ftp (NETRC),
// curl (--netrc-file) and Python's ftplib users read.
func renderFTP(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	user, password := userPassword(c)
	host, port := hostPort(c.Spec.URI, 21)
	r.Env["FTP_URL"], r.Env["FTP_HOST"], r.Env["FTP_PORT"], r.Env["FTP_USER"] = c.Spec.URI, host, strconv.Itoa(port), user
	setIf(r.Env, "FTP_PASSWORD", password)
	r.Files["netrc"] = netrc(host, user, password)
	r.SetFileEnv("NETRC", dirPath(dir, "netrc"))
	return r, nil
}
