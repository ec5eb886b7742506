package conntype

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/tether-ml/tether"
)

// An s3 connection with a role is delivered with temporary credentials: the
// stored keys are exchanged for the role's (STS AssumeRole) and only those
// reach a job. An S3-compatible store serves STS at its own endpoint
// (MinIO does), so the exchange goes to parameters.endpoint when set.

// roleARNPattern matches an IAM role ARN in the partitions that have IAM:
// arn:aws[-cn|-us-gov]:iam::<12-digit account>:role/[path/]name. Read-only.
var roleARNPattern = tether.NewPattern(
	`^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

// externalIDPattern is STS's alphabet of ExternalId, which is 2 to 1224
// characters long. Read-only.
var externalIDPattern = tether.NewPattern(`^[A-Za-z0-9+=,.@:/_-]+$`)

// STS's bounds of a role session's DurationSeconds.
const (
	minRoleSeconds = 900
	maxRoleSeconds = 43200
)

// checkRole checks the role ARN and the parameters of the exchange, which
// mean something only with a role.
func checkRole(s *tether.ConnectionSpec, p *tether.Problems) {
	params := s.Parameters
	if s.Role == "" {
		for _, name := range []string{"durationSeconds", "externalId"} {
			if params[name] != "" {
				p.Add("spec.parameters."+name, "is used only with spec.role")
			}
		}
		return
	}
	if !roleARNPattern.MatchString(s.Role) {
		p.Add("spec.role", "must be an IAM role ARN such as arn:aws:iam::123456789012:role/reader")
	}
	if d := params["durationSeconds"]; d != "" {
		if n, err := strconv.Atoi(d); err != nil || n < minRoleSeconds || n > maxRoleSeconds {
			p.Add("spec.parameters.durationSeconds", "must be a whole number of seconds from 900 to 43200")
		}
	}
	if e := params["externalId"]; e != "" && (len(e) < 2 || len(e) > 1224 || !externalIDPattern.MatchString(e)) {
		p.Add("spec.parameters.externalId",
			"must be 2 to 1224 letters, digits and characters among + = , . @ : / _ -")
	}
}

// exchangeS3 returns c unchanged without a role; with one, c carrying the
// role's temporary credentials (keyID, keySecret, parameters.sessionToken)
// and their expiry. The call is signed with the stored keys (and session
// token, for role chaining) and does not retry.
func exchangeS3(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (*tether.Connection, error) {
	const op = "conntype.exchangeS3"
	if c.Spec.Role == "" {
		return c, nil
	}
	client, err := probeHTTP(c, env)
	if err != nil {
		return nil, err
	}
	call := newAWSCall(c, "sts")
	opts := sts.Options{Region: c.Spec.Region, Credentials: call.creds, HTTPClient: client,
		Retryer: aws.NopRetryer{}, BaseEndpoint: call.base}
	host := call.host
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	out, err := sts.New(opts).AssumeRole(ctx, assumeRoleInput(c))
	if err != nil {
		return nil, stsError(op, host, err)
	}
	creds := out.Credentials
	if creds == nil || creds.Expiration == nil || aws.ToString(creds.AccessKeyId) == "" {
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: host + " answered AssumeRole without credentials"}
	}
	return withSession(c, creds), nil
}

// withSession returns a copy of c carrying the temporary credentials
// creds in place of its keys, and their expiry.
func withSession(c *tether.Connection, creds *ststypes.Credentials) *tether.Connection {
	d := c.Clone()
	d.Spec.KeyID = tether.Secret(b64(aws.ToString(creds.AccessKeyId)))
	d.Spec.KeySecret = tether.Secret(b64(aws.ToString(creds.SecretAccessKey)))
	if d.Spec.Parameters == nil {
		d.Spec.Parameters = tether.Params{}
	}
	d.Spec.Parameters["sessionToken"] = b64(aws.ToString(creds.SessionToken))
	d.Status.Expiry = &tether.Expiry{At: creds.Expiration.UTC(), What: "STS session"}
	return d
}

// assumeRoleInput is the AssumeRole request of c: its role, a session name
// naming the connection (which CloudTrail shows), and its optional
// duration and external ID, which checkRole validated.
func assumeRoleInput(c *tether.Connection) *sts.AssumeRoleInput {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(c.Spec.Role), RoleSessionName: aws.String(sessionName(c))}
	if n, err := strconv.Atoi(c.Spec.Parameters["durationSeconds"]); err == nil {
		in.DurationSeconds = aws.Int32(int32(n))
	}
	if e := c.Spec.Parameters["externalId"]; e != "" {
		in.ExternalId = aws.String(e)
	}
	return in
}

// sessionName is "tether-<namespace>-<id>" cut to STS's 64 characters; ids
// and namespaces hold only characters STS accepts.
func sessionName(c *tether.Connection) string {
	name := "tether-" + c.ID
	if c.Namespace != "" {
		name = "tether-" + c.Namespace + "-" + c.ID
	}
	if len(name) > 64 {
		name = strings.TrimRight(name[:64], "-")
	}
	return name
}

// stsError maps an error of STS to a tether.Error whose message holds the
// error code STS answered, never its text.
func stsError(op, host string, err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return unreachable(op, host, err)
	}
	code := safeCode(api.ErrorCode())
	switch code {
	case "AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken",
		"InvalidAccessKeyId", "RegionDisabledException":
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "STS refused to assume the role with the stored keys (" + code + ")"}
	case "MalformedPolicyDocument", "PackedPolicyTooLarge", "ValidationError", "InvalidParameterValue":
		return &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "STS refused the AssumeRole request (" + code + ")"}
	}
	if code == "" {
		code = "an unknown error"
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "STS at " + host + " answered " + code}
}

// b64 is the standard base64 of s, as secrets are posted.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
