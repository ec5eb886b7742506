package conntype

import "github.com/tether-ml/tether"

// segmentType is a Segment source, written to with its write key. The
// uri is the tracking API's base URL (https://api.segment.io, or a
// regional one such as https://events.eu1.segmentapis.com).
func segmentType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:        "segment",
		Description: "Segment source, written to with its write key",
		Group:       tether.GroupService,
		URI:         "base URL of the tracking API, e.g. https://api.segment.io",
		Example: &tether.ConnectionSpec{Type: "segment", URI: "https://api.segment.io",
			Password: tether.Secret(b64("wr1teKeyExample0000000000000000"))},
		Fields: []tether.Field{
			{Name: "password", Required: true, Secret: true, Base64: true,
				Description: "Write key of the source, base64-encoded"},
		},
		Check: func(s *tether.ConnectionSpec, p *tether.Problems) {
			if s.URI != "" {
				if msg := baseURLProblem(s.URI); msg != "" {
					p.Add("spec.uri", msg)
				}
			}
			checkDecodedText("spec.password", s.Password.Reveal(), p)
		},
		Render: func(c *tether.Connection, _ string) (*tether.Rendering, error) {
			r := newRendering()
			r.Env["SEGMENT_WRITE_KEY"], r.Env["SEGMENT_HOST"] = string(secretBytes(c.Spec.Password)), c.Spec.URI
			return r, nil
		},
		Airflow: &tether.AirflowForm{
			ConnTypes: []string{"segment"},
			// Airflow's SegmentHook reads the write key from extra.
			To: func(c *tether.Connection) (*tether.AirflowConnection, error) {
				return &tether.AirflowConnection{ConnType: "segment", Description: c.Spec.Description, Host: c.Spec.URI,
					Extra: map[string]any{"write_key": string(secretBytes(c.Spec.Password))}}, nil
			},
			From: func(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
				key, _ := a.Extra["write_key"].(string)
				if key == "" {
					return nil, tether.Errorf(tether.EINVALID, "an Airflow segment connection needs write_key in extra")
				}
				uri := a.Host
				if uri == "" {
					uri = "https://api.segment.io"
				}
				return &tether.ConnectionSpec{URI: uri, Description: a.Description, Password: b64Secret(key)}, nil
			},
		},
	}
}
