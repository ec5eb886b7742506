package credimport

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

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

// ReadAWSProfile reads a profile of the shared files, as the AWS SDKs do:
// its static keys and session token, its region, its endpoint (endpoint_url
// of its services section for s3, else its own endpoint_url, unless
// ignore_configured_endpoint_urls is set), and the s3 settings of its config
// section (addressing_style = path gives forcePathStyle "true", virtual
// "false"; signature_version as it is). The credentials file's settings win
// over the config file's. A profile without static keys (one that assumes a
// role, uses SSO or a credential process) is an EINVALID error: Tether
// stores keys, not the means to get them.
func ReadAWSProfile(profile string, files AWSFiles) (*AWS, error) {
	creds, err := readAWSSharedFile(files.Credentials)
	if err != nil {
		return nil, err
	}
	conf, err := readAWSSharedFile(files.Config)
	if err != nil {
		return nil, err
	}
	fromCreds, inCreds := creds[profile]
	fromConf, inConf := conf.configProfile(profile)
	if !inCreds && !inConf {
		return nil, tether.Errorf(tether.EINVALID, "AWS profile %q not found in %s", profile, describeFiles(files))
	}
	settings := map[string]string{}
	maps.Copy(settings, fromConf)
	maps.Copy(settings, fromCreds)
	keys, err := staticKeys(profile, files, fromCreds, fromConf)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, tether.Errorf(tether.EINVALID, "AWS profile %q has no static keys (aws_access_key_id and "+
			"aws_secret_access_key, both in one file) in %s%s", profile, describeFiles(files), keylessHint(settings))
	}
	return &AWS{
		Source:           fmt.Sprintf("AWS profile %q", profile),
		AccessKeyID:      tether.Secret(keys["aws_access_key_id"]),
		SecretAccessKey:  tether.Secret(keys["aws_secret_access_key"]),
		SessionToken:     tether.Secret(keys["aws_session_token"]),
		Region:           settings["region"],
		Endpoint:         profileEndpoint(settings, conf),
		ForcePathStyle:   addressingStyle(settings["s3.addressing_style"]),
		SignatureVersion: settings["s3.signature_version"],
	}, nil
}

// staticKeys returns the settings holding the profile's keys, with its
// session token: the credentials file's if it has them, else the config
// file's; nil if neither has. Both keys must be in one file.
func staticKeys(profile string, files AWSFiles, fromCreds, fromConf map[string]string) (map[string]string, error) {
	for _, src := range []struct {
		path     string
		settings map[string]string
	}{{files.Credentials, fromCreds}, {files.Config, fromConf}} {
		id, secret := src.settings["aws_access_key_id"], src.settings["aws_secret_access_key"]
		switch {
		case id != "" && secret != "":
			return src.settings, nil
		case id != "" || secret != "":
			return nil, tether.Errorf(tether.EINVALID, "AWS profile %q has only one of aws_access_key_id and "+
				"aws_secret_access_key in %s: both are needed", profile, src.path)
		}
	}
	return nil, nil
}

// profileEndpoint is the S3 endpoint a profile configures, as the SDKs
// resolve it: the s3 endpoint_url of the profile's services section (in the
// config file), else the profile's endpoint_url.
func profileEndpoint(settings map[string]string, conf awsSharedFile) string {
	if strings.EqualFold(settings["ignore_configured_endpoint_urls"], "true") {
		return ""
	}
	if svc := settings["services"]; svc != "" {
		if e := conf["services "+svc]["s3.endpoint_url"]; e != "" {
			return e
		}
	}
	return settings["endpoint_url"]
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
func keylessHint(settings map[string]string) string {
	switch {
	case settings["role_arn"] != "":
		return "; it assumes a role (role_arn): import the keys of its source profile instead"
	case settings["sso_session"] != "" || settings["sso_start_url"] != "":
		return "; it signs in with AWS SSO, whose credentials expire"
	case settings["credential_process"] != "":
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
