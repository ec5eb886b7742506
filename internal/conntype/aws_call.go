package conntype

import (
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tether-ml/tether"
)

// awsCall is what a test or an exchange needs to call an AWS API for a
// connection: its stored keys (and session token) as the SDK's
// credentials, the host it reaches, named in messages, and the base
// endpoint to give the SDK.
type awsCall struct {
	creds aws.CredentialsProvider
	host  string
	// base is parameters.endpoint (MinIO, a VPC endpoint); nil for AWS's
	// own endpoint of the service in the connection's region.
	base *string
}

// newAWSCall returns the call of service (s3, sts, api.ecr) for c.
func newAWSCall(c *tether.Connection, service string) awsCall {
	call := awsCall{
		creds: credentials.NewStaticCredentialsProvider(string(secretBytes(c.Spec.KeyID)),
			string(secretBytes(c.Spec.KeySecret)), string(paramBytes(c, "sessionToken"))),
		host: service + "." + c.Spec.Region + ".amazonaws.com",
	}
	if ep := c.Spec.Parameters["endpoint"]; ep != "" {
		call.base = aws.String(ep)
		if u, err := url.Parse(ep); err == nil {
			call.host = u.Host
		}
	}
	return call
}
