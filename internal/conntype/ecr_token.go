package conntype

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"

	"github.com/tether-ml/tether"
)

// ecrUser is the user of ECR's authorization tokens.
const ecrUser = "AWS"

// exchangeECR returns c carrying, in place of its keys, a registry token
// from ECR's GetAuthorizationToken (username and password, as docker logs
// in with them) and its expiry, 12 hours on AWS.
func exchangeECR(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (*tether.Connection, error) {
	login, err := ecrAuthorize(ctx, c, env)
	if err != nil {
		return nil, err
	}
	d := c.Clone()
	d.Spec.KeyID, d.Spec.KeySecret = "", ""
	d.Spec.Username, d.Spec.Password = login.user, tether.Secret(b64(login.password))
	d.Status.Expiry = &tether.Expiry{At: login.expires.UTC(), What: "ECR token"}
	return d, nil
}

// ecrLogin is a registry token ECR issued: docker's user and password,
// their expiry, and the registry they are for (proxyEndpoint, when ECR
// names one).
type ecrLogin struct {
	user, password string
	expires        time.Time
	registry       string
}

// ecrAuthorize calls ECR's GetAuthorizationToken with c's keys, signed in
// the uri's region, at parameters.endpoint when set, without retrying.
func ecrAuthorize(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (*ecrLogin, error) {
	const op = "conntype.exchangeECR"
	call := newAWSCall(c, "api.ecr")
	opts := ecr.Options{Region: c.Spec.Region, Credentials: call.creds, HTTPClient: env.HTTP,
		Retryer: aws.NopRetryer{}, BaseEndpoint: call.base}
	host := call.host
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	out, err := ecr.New(opts).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, ecrError(op, host, err)
	}
	login, ok := ecrToken(out)
	if !ok {
		return nil, &tether.Error{Code: tether.EUNAVAILABLE, Op: op,
			Message: host + " answered GetAuthorizationToken without a usable token"}
	}
	return login, nil
}

// ecrToken reads the first authorization of out: base64 of
// "user:password", its expiry and its registry.
func ecrToken(out *ecr.GetAuthorizationTokenOutput) (*ecrLogin, bool) {
	if len(out.AuthorizationData) == 0 {
		return nil, false
	}
	a := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(a.AuthorizationToken))
	if err != nil || a.ExpiresAt == nil {
		return nil, false
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || password == "" || !clean(user) {
		return nil, false
	}
	return &ecrLogin{user: user, password: password, expires: *a.ExpiresAt, registry: aws.ToString(a.ProxyEndpoint)}, true
}

// ecrError maps an error of the ECR API to a tether.Error whose message
// holds the error code ECR answered, never its text.
func ecrError(op, host string, err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return unreachable(op, host, err)
	}
	code := safeCode(api.ErrorCode())
	switch code {
	case "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
		"ExpiredTokenException", "IncompleteSignature", "MissingAuthenticationToken":
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "ECR refused the stored keys (" + code + ")"}
	}
	if code == "" {
		code = "an unknown error"
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "ECR at " + host + " answered " + code}
}
