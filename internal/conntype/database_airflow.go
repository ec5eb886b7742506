package conntype

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// The Airflow form of the database kinds: host, port, login, password,
// schema (the database: the uri's path) and extra (the uri's options, and
// the kind's parameters, secret ones in plain text as Airflow keeps them).
// A kind adjusts the mapping where its Airflow hook reads another field
// (dbKind.toAirflow, dbKind.fromAirflow).

// airflowURI is the uri that an Airflow connection describes, being built.
type airflowURI struct {
	scheme, authority, path string // path: unescaped, without leading '/'
	opts                    url.Values
}

// String returns the uri.
func (u *airflowURI) String() string {
	s := u.scheme + "://" + u.authority
	if u.path != "" {
		s += "/" + escapePath(u.path)
	}
	if q := u.opts.Encode(); q != "" {
		s += "?" + q
	}
	return s
}

// airflowTo maps a valid connection of kind k to Airflow's model.
func (k *dbKind) airflowTo(c *tether.Connection) (*tether.AirflowConnection, error) {
	t, err := k.target(c)
	if err != nil {
		return nil, err
	}
	a := &tether.AirflowConnection{ConnType: k.airflow[0], Description: c.Spec.Description,
		Login: t.user, Password: tether.Secret(t.pass), Schema: t.path, Extra: map[string]any{}}
	switch len(t.hosts) {
	case 0:
	case 1:
		a.Host = strings.Trim(t.hosts[0].name, "[]")
		if t.hosts[0].set {
			a.Port = t.hosts[0].port
		}
	default:
		a.Host = t.authority()
	}
	for key, v := range t.options {
		if len(v) == 1 {
			a.Extra[key] = v[0]
		} else {
			a.Extra[key] = slices.Clone(v)
		}
	}
	for _, prm := range k.params {
		if v := c.Spec.Parameters[prm.Name]; v != "" && prm.Base64 {
			a.Extra[prm.Name] = string(paramBytes(c, prm.Name))
		} else if v != "" {
			a.Extra[prm.Name] = v
		}
	}
	if k.toAirflow != nil {
		k.toAirflow(t, a)
	}
	if len(a.Extra) == 0 {
		a.Extra = nil
	}
	return a, nil
}

// airflowFrom returns the spec that an Airflow connection of kind k
// describes: the parameters of k's schema from its extra, the other extra
// keys as the uri's options.
func (k *dbKind) airflowFrom(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	s := &tether.ConnectionSpec{Type: k.name, Username: a.Login, Description: a.Description,
		Parameters: tether.Params{}}
	if pw := a.Password.Reveal(); pw != "" {
		s.Password = tether.Secret(base64.StdEncoding.EncodeToString([]byte(pw)))
	}
	u := &airflowURI{authority: airflowAuthority(a.Host, a.Port), path: a.Schema, opts: url.Values{}}
	if len(k.schemes) > 0 {
		u.scheme = k.schemes[0]
	}
	for key, v := range a.Extra {
		if prm := paramOf(k, key); prm != nil && prm.Base64 {
			s.Parameters[key] = base64.StdEncoding.EncodeToString([]byte(extraText(v)))
		} else if prm != nil {
			s.Parameters[key] = extraText(v)
		} else if l, ok := v.([]string); ok {
			u.opts[key] = l
		} else {
			u.opts.Set(key, extraText(v))
		}
	}
	if k.fromAirflow != nil {
		if err := k.fromAirflow(a, u, s); err != nil {
			return nil, err
		}
	}
	if u.authority == "" && k.hosts != dbNoHost && k.hosts != dbOpaque {
		return nil, tether.Errorf(tether.EINVALID, "the Airflow connection of conn_type %s has no host", k.airflow[0])
	}
	if s.URI == "" {
		s.URI = u.String()
	}
	if len(s.Parameters) == 0 {
		s.Parameters = nil
	}
	return s, nil
}

// airflowAuthority is the uri's authority for an Airflow host and port: a
// host list ("h1,h2:27018") keeps its ports, and port applies to each host
// that names none. A bare IPv6 address is bracketed.
func airflowAuthority(host string, port int) string {
	if host == "" {
		return ""
	}
	l := strings.Split(host, ",")
	for i, h := range l {
		if ip := net.ParseIP(h); ip != nil && ip.To4() == nil {
			h = "[" + h + "]"
		}
		if port != 0 && (!strings.Contains(h, ":") || strings.HasSuffix(h, "]")) {
			h += ":" + strconv.Itoa(port)
		}
		l[i] = h
	}
	return strings.Join(l, ",")
}

// paramOf returns k's parameter name, or nil.
func paramOf(k *dbKind, name string) *tether.Parameter {
	for i := range k.params {
		if k.params[i].Name == name {
			return &k.params[i]
		}
	}
	return nil
}

// extraText is an Airflow extra value as text: strings as they are,
// numbers and booleans printed, anything else as JSON.
func extraText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool, float64, int, int64, json.Number:
		return fmt.Sprint(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
