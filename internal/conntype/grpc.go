package conntype

import (
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// grpcType is a gRPC service: grpc:// in plain text, grpcs:// over TLS
// (with caBundle for a private CA), and an optional bearer token.
func grpcType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "grpc",
		Description: "gRPC service: grpcs:// over TLS, grpc:// in plain text, with an optional bearer token",
		Group:       tether.GroupService,
		URI:         "grpc|grpcs://<host>:<port>, e.g. grpcs://model.example.com:443",
		Example: &tether.ConnectionSpec{Type: "grpc", URI: "grpcs://model.example.com:443",
			Password: tether.Secret(b64("t0ken"))},
		Fields: []tether.Field{
			{Name: "password", Secret: true, Base64: true,
				Description: "Bearer token sent as the authorization metadata, base64-encoded"},
		},
		Parameters: []tether.Parameter{caBundleParam()},
		Check: func(s *tether.ConnectionSpec, p *tether.Problems) {
			if s.URI != "" {
				if msg := serviceURLProblem(s.URI, false, "grpc", "grpcs"); msg != "" {
					p.Add("spec.uri", msg)
				}
			}
			checkDecodedText("spec.password", s.Password.Reveal(), p)
			checkCABundle(s, p)
		},
		Expiry:  caBundleExpiry,
		Render:  renderGRPC,
		Airflow: &tether.AirflowForm{ConnTypes: []string{"grpc"}, To: grpcToAirflow, From: grpcFromAirflow},
	}
}

// renderGRPC gives the target in gRPC's host:port form, whether to use
// TLS, the token, and a CA bundle where gRPC's C core (Python, C++, Ruby)
// looks for its roots (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH).
func renderGRPC(c *tether.Connection, dir string) (*tether.Rendering, error) {
	r := newRendering()
	tls := strings.HasPrefix(strings.ToLower(c.Spec.URI), "grpcs:")
	port := 80
	if tls {
		port = 443
	}
	host, port := hostPort(c.Spec.URI, port)
	r.Env["GRPC_TARGET"], r.Env["GRPC_TLS"] = joinHostPort(host, port), strconv.FormatBool(tls)
	setIf(r.Env, "GRPC_TOKEN", string(secretBytes(c.Spec.Password)))
	if ca := paramBytes(c, "caBundle"); ca != nil {
		r.Files["ca-bundle.pem"] = ca
		r.SetFileEnv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", dirPath(dir, "ca-bundle.pem"))
	}
	return r, nil
}

// grpcToAirflow gives what Airflow's GrpcHook reads: host, port and
// auth_type (SSL or NO_AUTH). Airflow has no bearer token: it is kept in
// password, which the hook ignores.
func grpcToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	host, port, _ := airflowHostPort(c.Spec.URI)
	auth := "NO_AUTH"
	if strings.HasPrefix(strings.ToLower(c.Spec.URI), "grpcs:") {
		auth = "SSL"
	}
	return &tether.AirflowConnection{ConnType: "grpc", Description: c.Spec.Description, Host: host, Port: port,
		Password: tether.Secret(secretBytes(c.Spec.Password)), Extra: map[string]any{"auth_type": auth}}, nil
}

func grpcFromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	scheme := "grpc"
	if auth, _ := a.Extra["auth_type"].(string); auth == "SSL" || auth == "TLS" {
		scheme = "grpcs"
	}
	uri, err := uriFromAirflow(a, scheme, "")
	if err != nil {
		return nil, err
	}
	return &tether.ConnectionSpec{URI: uri, Description: a.Description, Password: b64Secret(a.Password.Reveal())}, nil
}
