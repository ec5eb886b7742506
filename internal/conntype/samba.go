package conntype

import (
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// sambaType is an SMB/CIFS share (Samba, Windows), reached with a user,
// password and, optionally, a domain (workgroup).
func sambaType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "samba",
		Description: "SMB/CIFS share (Samba, Windows file server), reached with a user and password",
		Group:       tether.GroupService,
		URI:         "smb://<host>[:<port>]/<share>[/<path>], e.g. smb://files.example.com/datasets",
		Example: &tether.ConnectionSpec{Type: "samba", URI: "smb://files.example.com/datasets",
			Username: "loader", Password: tether.Secret(b64("s3cr3t")), Parameters: tether.Params{"domain": "CORP"}},
		Fields: []tether.Field{
			{Name: "username", Required: true, Description: "SMB user"},
			{Name: "password", Required: true, Secret: true, Base64: true, Description: "Password of the user, base64-encoded"},
		},
		Parameters: []tether.Parameter{
			{Name: "domain", Description: "Domain or workgroup of the user, e.g. CORP"},
		},
		Check:   checkSamba,
		Render:  renderSamba,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"samba"}, To: sambaToAirflow, From: sambaFromAirflow},
	}
}

func checkSamba(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := serviceURLProblem(s.URI, true, "smb"); msg != "" {
			p.Add("spec.uri", msg)
		} else if _, _, path := airflowHostPort(s.URI); strings.Trim(path, "/") == "" {
			p.Add("spec.uri", "must name the share: smb://<host>/<share>")
		}
	}
	checkDecodedText("spec.password", s.Password.Reveal(), p)
}

// renderSamba gives the share's parts and a credentials file in the form
// smbclient (-A) and mount.cifs (credentials=) read.
func renderSamba(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	user, password := userPassword(c)
	host, port := hostPort(c.Spec.URI, 445)
	_, _, path := airflowHostPort(c.Spec.URI)
	share, _, _ := strings.Cut(path, "/")
	domain := c.Spec.Parameters["domain"]
	r.Env["SMB_HOST"], r.Env["SMB_PORT"], r.Env["SMB_SHARE"] = host, strconv.Itoa(port), share
	r.Env["SMB_USER"], r.Env["SMB_PASSWORD"] = user, password
	setIf(r.Env, "SMB_DOMAIN", domain)
	creds := "username=" + user + "\npassword=" + password + "\n"
	if domain != "" {
		creds += "domain=" + domain + "\n"
	}
	r.Files["smb-credentials"] = []byte(creds)
	r.SetFileEnv("SMB_CREDENTIALS_FILE", dirPath(dir, "smb-credentials"))
	return r, nil
}

// sambaToAirflow gives what Airflow's SambaHook reads: host, port, login,
// password and the share in schema.
func sambaToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	user, password := userPassword(c)
	host, port, path := airflowHostPort(c.Spec.URI)
	share, _, _ := strings.Cut(path, "/")
	a := &tether.AirflowConnection{ConnType: "samba", Description: c.Spec.Description, Host: host, Port: port,
		Schema: share, Login: user, Password: tether.Secret(password)}
	if d := c.Spec.Parameters["domain"]; d != "" {
		a.Extra = map[string]any{"domain": d}
	}
	return a, nil
}

func sambaFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	if a.Schema == "" {
		return nil, tether.Errorf(tether.EINVALID, "an Airflow samba connection needs the share in schema")
	}
	uri, err := uriFromAirflow(a, "smb", a.Schema)
	if err != nil {
		return nil, err
	}
	s := &tether.ConnectionSpec{URI: uri, Description: a.Description, Username: a.Login, Password: b64Secret(a.Password.Reveal())}
	if d, _ := a.Extra["domain"].(string); d != "" {
		s.Parameters = tether.Params{"domain": d}
	}
	return s, nil
}
