package credimport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/tether-ml/tether"
)

// AWSFiles are the AWS shared files a profile is read from.
type AWSFiles struct {
	Credentials string // aws_access_key_id and friends, [name] sections
	Config      string // region and options, [profile name] sections
}

// DefaultAWSFiles returns the files the AWS tools read: the ones
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE name, else
// ~/.aws/credentials and ~/.aws/config.
func DefaultAWSFiles(getenv func(string) string) (AWSFiles, error) {
	f := AWSFiles{Credentials: getenv("AWS_SHARED_CREDENTIALS_FILE"), Config: getenv("AWS_CONFIG_FILE")}
	if f.Credentials != "" && f.Config != "" {
		return f, nil
	}
	home := getenv("HOME")
	if home == "" {
		return f, tether.Errorf(tether.EINVALID, "cannot find the AWS shared files: HOME is not set "+
			"(set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE)")
	}
	if f.Credentials == "" {
		f.Credentials = filepath.Join(home, ".aws", "credentials")
	}
	if f.Config == "" {
		f.Config = filepath.Join(home, ".aws", "config")
	}
	return f, nil
}

// DefaultAWSProfile returns the profile the AWS tools use: AWS_PROFILE,
// else AWS_DEFAULT_PROFILE, else "default".
func DefaultAWSProfile(getenv func(string) string) string {
	for _, v := range []string{getenv("AWS_PROFILE"), getenv("AWS_DEFAULT_PROFILE")} {
		if v != "" {
			return v
		}
	}
	return "default"
}

// ReadAWSProfile reads a profile of the shared files with the AWS SDK's
// own loader: its static keys and session token, its region, its endpoint
// (endpoint_url of its services section for s3, else its own endpoint_url,
// unless ignore_configured_endpoint_urls is set), and the s3 settings of
// its config section (addressing_style = path gives forcePathStyle "true",
// virtual "false"; signature_version as it is). A profile without static
// keys (one that assumes a role, uses SSO or a credential process) is an
// EINVALID error: Tether stores keys, not the means to get them.
func ReadAWSProfile(ctx context.Context, profile string, files AWSFiles) (*AWS, error) {
	sc, err := config.LoadSharedConfigProfile(ctx, profile, func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles = []string{files.Credentials}
		o.ConfigFiles = []string{files.Config}
	})
	var notExist config.SharedConfigProfileNotExistError
	switch {
	case errors.As(err, &notExist):
		return nil, tether.Errorf(tether.EINVALID, "AWS profile %q not found in %s", profile, describeFiles(files))
	case err != nil:
		// The SDK's messages name keys and profiles, never secret values.
		return nil, tether.Errorf(tether.EINVALID, "cannot read AWS profile %q from %s: %s",
			profile, describeFiles(files), strings.Join(strings.Fields(err.Error()), " "))
	}
	if !sc.Credentials.HasKeys() {
		return nil, tether.Errorf(tether.EINVALID, "AWS profile %q has no static keys (aws_access_key_id and "+
			"aws_secret_access_key, both in one file) in %s%s", profile, describeFiles(files), keylessHint(sc))
	}
	s3, err := readS3Settings(files.Config, profile)
	if err != nil {
		return nil, err
	}
	return &AWS{
		Source:           fmt.Sprintf("AWS profile %q", profile),
		AccessKeyID:      tether.Secret(sc.Credentials.AccessKeyID),
		SecretAccessKey:  tether.Secret(sc.Credentials.SecretAccessKey),
		SessionToken:     tether.Secret(sc.Credentials.SessionToken),
		Region:           sc.Region,
		Endpoint:         profileEndpoint(ctx, sc),
		ForcePathStyle:   addressingStyle(s3["addressing_style"]),
		SignatureVersion: s3["signature_version"],
	}, nil
}

// profileEndpoint is the S3 endpoint a profile configures, as the SDK
// resolves it: the services section's s3 endpoint_url, else the profile's.
func profileEndpoint(ctx context.Context, sc config.SharedConfig) string {
	if sc.IgnoreConfiguredEndpoints != nil && *sc.IgnoreConfiguredEndpoints {
		return ""
	}
	if e, ok, _ := sc.GetServiceBaseEndpoint(ctx, "S3"); ok && e != "" {
		return e
	}
	return sc.BaseEndpoint
}

// addressingStyle maps the AWS CLI's s3 addressing_style to forcePathStyle.
func addressingStyle(style string) string {
	switch strings.ToLower(style) {
	case "path":
		return "true"
	case "virtual":
		return "false"
	}
	return ""
}

// keylessHint says how a profile without static keys gets credentials.
func keylessHint(sc config.SharedConfig) string {
	switch {
	case sc.RoleARN != "":
		return "; it assumes a role (role_arn): import the keys of its source profile instead"
	case sc.SSOSessionName != "" || sc.SSOStartURL != "":
		return "; it signs in with AWS SSO, whose credentials expire"
	case sc.CredentialProcess != "":
		return "; it runs a credential_process"
	}
	return ""
}

// describeFiles names the shared files for messages, marking missing ones.
func describeFiles(f AWSFiles) string {
	name := func(p string) string {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p + " (missing)"
		}
		return p
	}
	return name(f.Credentials) + " and " + name(f.Config)
}
