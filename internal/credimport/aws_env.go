package credimport

import (
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// ReadAWSEnv reads AWS credentials from the environment getenv gives: the
// variables the AWS SDKs read (AWS_ACCESS_KEY_ID or AWS_ACCESS_KEY,
// AWS_SECRET_ACCESS_KEY or AWS_SECRET_KEY, AWS_SESSION_TOKEN, AWS_REGION
// or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true) and the ones Kaptain's S3
// provider reads (S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_SIGNATURE_VERSION).
// Surrounding whitespace, such as the newline "echo VALUE | base64" leaves
// in a Kubernetes Secret, is dropped. The SDK's own NewEnvConfig is not
// used because it reads the process environment, not getenv.
func ReadAWSEnv(getenv func(string) string) (*AWS, error) {
	env := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	c := &AWS{
		Source:           "AWS environment variables",
		AccessKeyID:      tether.Secret(env("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")),
		SecretAccessKey:  tether.Secret(env("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")),
		SessionToken:     tether.Secret(env("AWS_SESSION_TOKEN")),
		Region:           env("AWS_REGION", "AWS_DEFAULT_REGION"),
		SignatureVersion: env("S3_SIGNATURE_VERSION"),
	}
	var missing []string
	if c.AccessKeyID == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY)")
	}
	if c.SecretAccessKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY)")
	}
	if len(missing) > 0 {
		return nil, tether.Errorf(tether.EINVALID, "no AWS keys in the environment: %s not set", strings.Join(missing, " and "))
	}
	var err error
	if c.Endpoint, err = envEndpoint(env); err != nil {
		return nil, err
	}
	if c.ForcePathStyle, err = envBool("S3_FORCE_PATH_STYLE", env("S3_FORCE_PATH_STYLE")); err != nil {
		return nil, err
	}
	return c, nil
}

// envEndpoint is the S3 endpoint of the environment: AWS_ENDPOINT_URL_S3
// or Kaptain's S3_ENDPOINT (which must agree if both are set), else
// AWS_ENDPOINT_URL.
func envEndpoint(env func(...string) string) (string, error) {
	ignore, err := envBool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
	if err != nil {
		return "", err
	}
	kaptain := env("S3_ENDPOINT")
	if ignore == "true" {
		return kaptain, nil
	}
	aws := env("AWS_ENDPOINT_URL_S3")
	switch {
	case aws != "" && kaptain != "" && aws != kaptain:
		return "", tether.Errorf(tether.EINVALID, "AWS_ENDPOINT_URL_S3 and S3_ENDPOINT name different endpoints: unset one")
	case aws != "":
		return aws, nil
	case kaptain != "":
		return kaptain, nil
	}
	return env("AWS_ENDPOINT_URL"), nil
}

// envBool normalizes a boolean variable to "true", "false" or "" (unset).
func envBool(name, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "%s must be true or false", name)
	}
	return strconv.FormatBool(b), nil
}
