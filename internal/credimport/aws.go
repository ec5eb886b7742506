package credimport

import (
	"encoding/base64"

	"github.com/tether-ml/tether"
)

// AWS is what an AWS source (a profile of the shared files, or the
// environment) holds for reaching S3. The secrets are raw, not base64; they
// redact themselves when printed.
type AWS struct {
	// Source says where the values were read, for messages and for the
	// connection's description.
	Source          string
	AccessKeyID     tether.Secret
	SecretAccessKey tether.Secret
	SessionToken    tether.Secret
	Region          string
	// Endpoint is the URL of an S3-compatible store, if not AWS itself.
	Endpoint string
	// ForcePathStyle is "true", "false" or "" (the client's default).
	ForcePathStyle string
	// SignatureVersion is as the source gives it ("s3v4", "s3"), or "".
	SignatureVersion string
}

// Connection returns the s3 connection with id and uri that c reaches: keys
// and session token base64-encoded as the API takes them, the endpoint and
// S3 options as the s3 type's parameters. It does not validate it.
func (c *AWS) Connection(id, uri string) *tether.Connection {
	params := tether.Params{}
	setParam(params, "endpoint", c.Endpoint)
	setParam(params, "forcePathStyle", c.ForcePathStyle)
	setParam(params, "signatureVersion", c.SignatureVersion)
	setParam(params, "sessionToken", encode(c.SessionToken))
	if len(params) == 0 {
		params = nil
	}
	return &tether.Connection{
		Kind: tether.Kind,
		ID:   id,
		Spec: tether.ConnectionSpec{
			Type:        "s3",
			URI:         uri,
			Region:      c.Region,
			KeyID:       tether.Secret(encode(c.AccessKeyID)),
			KeySecret:   tether.Secret(encode(c.SecretAccessKey)),
			Description: "Imported from " + c.Source,
			Parameters:  params,
		},
	}
}

// encode is the wire form of a raw secret: its base64, or "" for none.
func encode(s tether.Secret) string {
	if s == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(s.Reveal()))
}

func setParam(p tether.Params, key, value string) {
	if value != "" {
		p[key] = value
	}
}
