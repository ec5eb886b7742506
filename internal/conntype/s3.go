package conntype

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/tether-ml/tether"
)

// s3Type is an Amazon S3 bucket, or one of an S3-compatible store (MinIO,
// Ceph). Odahu's rules: region, keyID and keySecret required. Odahu rejects
// role; Tether accepts an IAM role ARN there and delivers, instead of the
// stored keys, the temporary credentials that STS AssumeRole gives them for
// the role (exchangeS3). The parameters carry what Kaptain's S3
// variables do (S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_SIGNATURE_VERSION,
// AWS_SESSION_TOKEN), and the CA of a store whose certificate is not
// publicly trusted (AWS_CA_BUNDLE).
func s3Type() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:  "s3",
		Group: tether.GroupBlob,
		URI:   "s3://<bucket>[/path], e.g. s3://raw-data/model/input",
		Example: &tether.ConnectionSpec{
			URI: "s3://raw-data/model/input", Region: "eu-central-1",
			KeyID:       tether.Secret(b64("AKIAIOSFODNN7EXAMPLE")),
			KeySecret:   tether.Secret(b64("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
			Description: "Training data of the churn model"},
		Description: "Amazon S3 bucket, or one of an S3-compatible store (MinIO, Ceph)",
		Fields: withOdahuFields([]tether.Field{
			{Name: "region", Required: true,
				Description: "AWS region of the bucket, e.g. eu-central-1"},
			{Name: "keyID", Required: true, Secret: true, Base64: true,
				Description: "Access key ID (AWS_ACCESS_KEY_ID), base64-encoded"},
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: "Secret access key (AWS_SECRET_ACCESS_KEY), base64-encoded"},
			{Name: "role",
				Description: "IAM role ARN to assume with the keys (STS AssumeRole), e.g. " +
					"arn:aws:iam::123456789012:role/reader: jobs then get its temporary credentials, never the keys"},
		}),
		Parameters: []tether.Parameter{
			{Name: "endpoint", Format: tether.FormatURL,
				Description: "Endpoint URL of an S3-compatible store (S3_ENDPOINT), e.g. http://minio:9000"},
			{Name: "forcePathStyle", Format: tether.FormatBool,
				Description: `Address buckets by path, not by virtual host (S3_FORCE_PATH_STYLE): "true" or "false"`},
			{Name: "signatureVersion", Format: tether.FormatEnum, Enum: []string{"s3v4", "s3"},
				Description: `Request signing (S3_SIGNATURE_VERSION): "s3v4", or "s3" for the legacy v2`},
			{Name: "sessionToken", Secret: true, Base64: true,
				Description: "Session token of temporary credentials (AWS_SESSION_TOKEN), base64-encoded"},
			caBundleParam(),
			{Name: "durationSeconds",
				Description: "Lifetime of the role's temporary credentials, in seconds (900 to 43200; STS's default is 3600)"},
			{Name: "externalId",
				Description: "External ID the role's trust policy requires (STS AssumeRole ExternalId)"},
		},
		Check:    checkS3,
		Expiry:   caBundleExpiry,
		Render:   renderS3,
		Probe:    probeS3,
		Exchange: exchangeS3,
		Formats:  []tether.FileFormat{awsCredentialsFormat()},
		Airflow:  &tether.AirflowForm{ConnTypes: []string{"aws"}, To: s3ToAirflow, From: s3FromAirflow},
		Polyaxon: &tether.PolyaxonForm{Kind: "s3", Schema: bucketSchema, Spec: func(schema map[string]any, s *tether.ConnectionSpec) error {
			uri, err := bucketURI(schema, "s3")
			s.URI = uri
			return err
		}},
	}
}

// bucketSchema is the Polyaxon schema of a blob store: its uri as bucket.
func bucketSchema(c *tether.Connection) map[string]any {
	return map[string]any{"bucket": c.Spec.URI}
}

// s3ToAirflow is Airflow's aws connection (AwsConnectionWrapper): the keys
// as login and password, and in extra the region, endpoint, session token,
// role (unless c carries its temporary credentials already), S3 options,
// and the bucket as service_config.s3.bucket_name, which S3Hook takes as
// its default bucket. The uri's path has no place there and is dropped.
func s3ToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	p := c.Spec.Parameters
	bucket, _, _ := strings.Cut(strings.TrimPrefix(c.Spec.URI, "s3://"), "/")
	extra := map[string]any{}
	nest(extra, c.Spec.Region, "region_name")
	nest(extra, p["endpoint"], "endpoint_url")
	nest(extra, string(paramBytes(c, "sessionToken")), "aws_session_token")
	if p["sessionToken"] == "" {
		nest(extra, c.Spec.Role, "role_arn")
		nest(extra, p["externalId"], "assume_role_kwargs", "ExternalId")
		if n, err := strconv.Atoi(p["durationSeconds"]); err == nil {
			nest(extra, n, "assume_role_kwargs", "DurationSeconds")
		}
	}
	if p["forcePathStyle"] == "true" {
		nest(extra, "path", "config_kwargs", "s3", "addressing_style")
	}
	nest(extra, p["signatureVersion"], "config_kwargs", "signature_version")
	nest(extra, bucket, "service_config", "s3", "bucket_name")
	return &tether.AirflowConnection{ConnType: "aws", Description: c.Spec.Description,
		Login: string(secretBytes(c.Spec.KeyID)), Password: tether.Secret(secretBytes(c.Spec.KeySecret)), Extra: extra}, nil
}

// s3FromAirflow is the s3 connection of an aws connection that names a
// bucket (service_config.s3.bucket_name); one without is cloud
// credentials, not a bucket.
func s3FromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error) {
	const what = "the Airflow aws connection"
	e := a.Extra
	bucket := extraString(e, "service_config", "s3", "bucket_name")
	if bucket == "" {
		return nil, formError(what, "names no bucket (extra.service_config.s3.bucket_name): "+
			"an s3 connection is a bucket")
	}
	s := &tether.ConnectionSpec{Type: "s3", URI: "s3://" + bucket, Description: a.Description,
		Region: firstOf(extraString(e, "region_name"), extraString(e, "region")), Role: extraString(e, "role_arn"),
		KeyID: tether.Secret(b64(a.Login)), KeySecret: tether.Secret(b64(a.Password.Reveal()))}
	setParam(s, "endpoint", firstOf(extraString(e, "endpoint_url"), extraString(e, "host")))
	if t := extraString(e, "aws_session_token"); t != "" {
		setParam(s, "sessionToken", b64(t))
	}
	if extraString(e, "config_kwargs", "s3", "addressing_style") == "path" {
		setParam(s, "forcePathStyle", "true")
	}
	setParam(s, "signatureVersion", extraString(e, "config_kwargs", "signature_version"))
	setParam(s, "externalId", extraString(e, "assume_role_kwargs", "ExternalId"))
	setParam(s, "durationSeconds", extraValue(e, "assume_role_kwargs", "DurationSeconds"))
	return s, nil
}

// firstOf returns the first of vs that is not empty.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// awsCredentialsFormat is the AWS shared credentials file of the types
// that render one (s3, ecr).
func awsCredentialsFormat() tether.FileFormat {
	return tether.FileFormat{Name: "aws-credentials", File: "credentials", Description: "an AWS shared credentials file"}
}

// checkS3 checks the uri, the decoded keys, the CA bundle and, on AWS
// itself (no endpoint parameter), the form of the region; S3-compatible
// stores name their regions freely.
func checkS3(s *tether.ConnectionSpec, p *tether.Problems) {
	if s.URI != "" {
		if msg := s3URIProblem(s.URI); msg != "" {
			p.Add("spec.uri", msg)
		}
	}
	checkDecodedText("spec.keyID", s.KeyID.Reveal(), p)
	checkDecodedText("spec.keySecret", s.KeySecret.Reveal(), p)
	checkDecodedText("spec.parameters.sessionToken", s.Parameters["sessionToken"], p)
	checkCABundle(s, p)
	checkRole(s, p)
	onAWS := s.Parameters["endpoint"] == ""
	if onAWS && s.Region != "" && clean(s.Region) && !awsRegionPattern.MatchString(s.Region) {
		p.Add("spec.region", "must be an AWS region such as eu-central-1 "+
			"(set parameters.endpoint for an S3-compatible store)")
	}
}

// s3URIProblem returns why uri is not s3://<bucket>[/path], or "".
func s3URIProblem(uri string) string {
	const form = "must be s3://<bucket>[/path]"
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return form
	}
	bucket, path, _ := strings.Cut(rest, "/")
	if msg := s3BucketProblem(bucket); msg != "" {
		return form + ": " + msg
	}
	if hasControl(path) {
		return "path " + msgControl
	}
	return ""
}

// s3BucketProblem returns why name breaks the S3 bucket naming rules (which
// MinIO shares), or "".
func s3BucketProblem(name string) string {
	const rule = "bucket names are 3 to 63 lowercase letters, digits, '.' and '-', " +
		"starting and ending with a letter or digit"
	switch {
	case name == "":
		return "the bucket name is missing"
	case len(name) < 3 || len(name) > 63 || !lowerAlnumEnds(name) ||
		strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "":
		return rule
	case strings.Contains(name, ".."):
		return "bucket names must not contain \"..\""
	case isIPv4(name):
		return "bucket names must not look like an IP address"
	}
	return ""
}

// lowerAlnumEnds reports whether s starts and ends with a lowercase letter
// or a digit.
func lowerAlnumEnds(s string) bool {
	isLowerAlnum := func(b byte) bool { return ('a' <= b && b <= 'z') || ('0' <= b && b <= '9') }
	return s != "" && isLowerAlnum(s[0]) && isLowerAlnum(s[len(s)-1])
}

// renderS3 gives the AWS variables and files, plus the endpoint and S3
// options under both the AWS SDKs' names and Kaptain's (S3_ENDPOINT,
// S3_FORCE_PATH_STYLE, S3_SIGNATURE_VERSION). A CA bundle is written to
// ca-bundle.pem, which both AWS_CA_BUNDLE and the config file's ca_bundle
// name, so that the variables and the files each work alone.
func renderS3(c *tether.Connection, dir string) (*tether.Rendering, error) {
	p := c.Spec.Parameters
	extra, caPath := "", ""
	if p["endpoint"] != "" {
		extra += "endpoint_url = " + p["endpoint"] + "\n"
	}
	if p["caBundle"] != "" {
		caPath = filepath.Join(dir, "ca-bundle.pem")
		extra += "ca_bundle = " + caPath + "\n"
	}
	if p["forcePathStyle"] == "true" || p["signatureVersion"] != "" {
		extra += "s3 =\n"
		if p["forcePathStyle"] == "true" {
			extra += "    addressing_style = path\n"
		}
		if p["signatureVersion"] != "" {
			extra += "    signature_version = " + p["signatureVersion"] + "\n"
		}
	}
	r := awsRendering(c, dir, c.Spec.Region, extra)
	setIf(r.Env, "AWS_ENDPOINT_URL_S3", p["endpoint"])
	setIf(r.Env, "S3_ENDPOINT", p["endpoint"])
	setIf(r.Env, "S3_FORCE_PATH_STYLE", p["forcePathStyle"])
	setIf(r.Env, "S3_SIGNATURE_VERSION", p["signatureVersion"])
	if caPath != "" {
		r.Files["ca-bundle.pem"] = paramBytes(c, "caBundle")
		r.SetFileEnv("AWS_CA_BUNDLE", caPath)
	}
	return r, nil
}

// probeS3 lists at most one key under the uri's prefix with the
// credentials a job gets: the stored keys (and session token), or, with a
// role, the role's temporary credentials.
func probeS3(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	if c.Spec.Role == "" {
		return listS3(ctx, c, env)
	}
	// A job gets the role's credentials, never the keys: test those.
	d, err := exchangeS3(ctx, c, env)
	if err != nil {
		return "", err
	}
	msg, err := listS3(ctx, d, env)
	if err != nil {
		return "", err
	}
	return "assumed role " + c.Spec.Role + " and " + msg, nil
}

// listS3 lists at most one key under the prefix of c's uri with c's keys
// (and session token), in its region, at its endpoint if it has one. The
// SDK does not retry: a probe answers once.
func listS3(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeS3"
	client, err := probeHTTP(c, env)
	if err != nil {
		return "", err
	}
	p := c.Spec.Parameters
	call := newAWSCall(c, "s3")
	opts := s3.Options{Region: c.Spec.Region, UsePathStyle: p["forcePathStyle"] == "true", Credentials: call.creds,
		HTTPClient: client, Retryer: aws.NopRetryer{}, BaseEndpoint: call.base}
	host := call.host
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(c.Spec.URI, "s3://"), "/")
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	_, err = s3.New(opts).ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(1)})
	if err != nil {
		return "", s3ProbeError(op, host, bucket, err)
	}
	return "listed " + c.Spec.URI, nil
}

// s3ProbeError maps an error of the S3 API to a tether.Error whose message
// holds the error code the store answered, never its text (which, for
// SignatureDoesNotMatch, quotes the string it signed).
func s3ProbeError(op, host, bucket string, err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return unreachable(op, host, err)
	}
	code := safeCode(api.ErrorCode())
	switch code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
		"InvalidToken", "TokenRefreshRequired", "AllAccessDisabled":
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op,
			Message: "the store refused the credential (" + code + ")"}
	case "NoSuchBucket":
		return &tether.Error{Code: tether.ENOTFOUND, Op: op,
			Message: "bucket " + bucket + " does not exist (NoSuchBucket)"}
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "bucket " + bucket + " is in another region (" + code + ")"}
	}
	if code == "" {
		code = "an unknown error"
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op, Message: "the store answered " + code}
}
