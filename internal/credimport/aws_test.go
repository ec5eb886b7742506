package credimport_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/credimport"
)

// Secrets of the AWS tests: none may appear in a message.
const (
	defaultKeyID   = "AKIAIOSFODNN7EXAMPLE"
	defaultSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	devKeyID       = "ASIADEVEXAMPLE000001"
	devSecret      = "devSecretKey/EXAMPLE+0123456789abcdefghi"
	devToken       = "FwoGZXIvYXdzEXAMPLEsessionTOKEN//0123456789"
	minioAccessKey = "minio-access"
	minioSecretKey = "minio-secret-0123"
)

var awsSecrets = []string{defaultKeyID, defaultSecret, devKeyID, devSecret, devToken, minioAccessKey, minioSecretKey}

const awsCredentialsFile = `[default]
aws_access_key_id = ` + defaultKeyID + `
aws_secret_access_key = ` + defaultSecret + `

[dev]
aws_access_key_id     = ` + devKeyID + `
aws_secret_access_key = ` + devSecret + `
# optional
aws_session_token     = ` + devToken + `

[half]
aws_access_key_id = ` + devKeyID + `
`

const awsConfigFile = `[default]
region = eu-central-1

[profile dev]
region = us-east-1
endpoint_url = http://minio.local:9000
s3 =
    addressing_style = path
    signature_version = s3v4

[profile other]
s3 =
    addressing_style = virtual

[profile services]
region = us-west-2
aws_access_key_id = ` + minioAccessKey + `
aws_secret_access_key = ` + minioSecretKey + `
endpoint_url = http://generic.local
services = local-s3

[services local-s3]
s3 =
    endpoint_url = http://s3-only.local:9000

[profile assumer]
role_arn = arn:aws:iam::123456789012:role/ml
source_profile = default

[profile half]
region = eu-west-1
`

// awsFiles writes the shared files into a temporary directory.
func awsFiles(t *testing.T) credimport.AWSFiles {
	t.Helper()
	dir := t.TempDir()
	return credimport.AWSFiles{
		Credentials: writeFile(t, dir, "credentials", awsCredentialsFile),
		Config:      writeFile(t, dir, "config", awsConfigFile),
	}
}

// revealed is an AWS with its secrets as plain strings, for comparisons.
type revealed struct {
	Source, KeyID, Secret, Token, Region, Endpoint, PathStyle, Signature string
}

func reveal(c *credimport.AWS) revealed {
	return revealed{c.Source, c.AccessKeyID.Reveal(), c.SecretAccessKey.Reveal(), c.SessionToken.Reveal(),
		c.Region, c.Endpoint, c.ForcePathStyle, c.SignatureVersion}
}

func TestReadAWSProfile(t *testing.T) {
	t.Parallel()
	files := awsFiles(t)
	tests := []struct {
		profile string
		want    revealed
	}{
		{"default", revealed{Source: `AWS profile "default"`, KeyID: defaultKeyID, Secret: defaultSecret, Region: "eu-central-1"}},
		{"dev", revealed{`AWS profile "dev"`, devKeyID, devSecret, devToken, "us-east-1", "http://minio.local:9000", "true", "s3v4"}},
		{"services", revealed{Source: `AWS profile "services"`, KeyID: minioAccessKey, Secret: minioSecretKey,
			Region: "us-west-2", Endpoint: "http://s3-only.local:9000"}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			got, err := credimport.ReadAWSProfile(tt.profile, files)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, reveal(got)); diff != "" {
				t.Errorf("profile %s (-want +got):\n%s", tt.profile, diff)
			}
		})
	}
}

// A profile that is missing, or has no static keys, is EINVALID with a
// message naming what is missing and the files looked in.
func TestReadAWSProfileErrors(t *testing.T) {
	t.Parallel()
	files := awsFiles(t)
	dir := t.TempDir()
	absent := credimport.AWSFiles{Credentials: filepath.Join(dir, "credentials"), Config: filepath.Join(dir, "config")}
	tests := []struct {
		name, profile string
		files         credimport.AWSFiles
		want          []string
	}{
		{"missing profile", "prod", files,
			[]string{`AWS profile "prod" not found in ` + files.Credentials + " and " + files.Config}},
		{"missing files", "default", absent,
			[]string{`AWS profile "default" not found`, absent.Credentials + " (missing)", absent.Config + " (missing)"}},
		{"role profile", "assumer", files,
			[]string{`AWS profile "assumer" has no static keys`, "aws_access_key_id", "aws_secret_access_key",
				files.Credentials, "assumes a role"}},
		{"half the keys", "half", files, []string{`AWS profile "half" has only one of aws_access_key_id and aws_secret_access_key in ` +
			files.Credentials}},
		{"no keys", "other", files, []string{`AWS profile "other" has no static keys`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credimport.ReadAWSProfile(tt.profile, tt.files)
			wantInvalid(t, err, tt.want, awsSecrets)
		})
	}
}

// The shared files are read as the AWS tools read them: case-insensitive
// keys, CRLF line ends, "[profile default]", repeated sections merged, the
// credentials file winning over the config file, and the endpoint settings.
func TestReadAWSProfileFileForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := credimport.AWSFiles{
		Credentials: writeFile(t, dir, "credentials", "[crlf]\r\nAWS_Access_Key_ID = "+devKeyID+"\r\n"+
			"aws_secret_access_key = "+devSecret+"\r\n\r\n[split]\naws_access_key_id = "+defaultKeyID+"\n"+
			"[override]\naws_access_key_id = "+minioAccessKey+"\naws_secret_access_key = "+minioSecretKey+"\nregion = from-credentials\n"+
			"[split]\naws_secret_access_key = "+defaultSecret+"\n"),
		Config: writeFile(t, dir, "config", "[profile default]\nregion = ap-south-1\naws_access_key_id = "+devKeyID+"\n"+
			"aws_secret_access_key = "+devSecret+"\n\n[profile override]\nregion = from-config\nendpoint_url = http://e\n"+
			"ignore_configured_endpoint_urls = true\n; a comment\n[profile crlf]\nregion = eu-north-1\n"),
	}
	tests := []struct {
		profile string
		want    revealed
	}{
		{"default", revealed{Source: `AWS profile "default"`, KeyID: devKeyID, Secret: devSecret, Region: "ap-south-1"}},
		{"crlf", revealed{Source: `AWS profile "crlf"`, KeyID: devKeyID, Secret: devSecret, Region: "eu-north-1"}},
		{"split", revealed{Source: `AWS profile "split"`, KeyID: defaultKeyID, Secret: defaultSecret}},
		{"override", revealed{Source: `AWS profile "override"`, KeyID: minioAccessKey, Secret: minioSecretKey, Region: "from-credentials"}},
	}
	for _, tt := range tests {
		got, err := credimport.ReadAWSProfile(tt.profile, files)
		if err != nil {
			t.Errorf("profile %s: %v", tt.profile, err)
			continue
		}
		if diff := cmp.Diff(tt.want, reveal(got)); diff != "" {
			t.Errorf("profile %s (-want +got):\n%s", tt.profile, diff)
		}
	}
}

// A malformed shared file is EINVALID naming the file and line, never
// echoing the line, which may hold a key.
func TestReadAWSProfileMalformedFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := writeFile(t, dir, "config", "[default]\nregion = eu-west-1\n")
	tests := []struct{ name, credentials, want string }{
		{"unclosed header", "[default\naws_access_key_id = " + devKeyID + "\n", "line 1: a section header must end with ]"},
		{"no equals sign", "[default]\naws_secret_access_key " + devSecret + "\n", "line 2: expected key = value"},
		{"setting before a section", "aws_secret_access_key = " + devSecret + "\n[default]\n", "line 1: a setting before the first [section]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := credimport.AWSFiles{Credentials: writeFile(t, t.TempDir(), "credentials", tt.credentials), Config: config}
			_, err := credimport.ReadAWSProfile("default", files)
			wantInvalid(t, err, []string{files.Credentials + ", " + tt.want}, awsSecrets)
		})
	}
}

// Profiles without static keys say how they get credentials instead.
func TestReadAWSProfileKeylessHints(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := credimport.AWSFiles{Credentials: filepath.Join(dir, "credentials"), Config: writeFile(t, dir, "config",
		"[profile sso]\nsso_session = corp\n[profile process]\ncredential_process = /bin/creds\n")}
	for profile, want := range map[string]string{"sso": "signs in with AWS SSO", "process": "runs a credential_process"} {
		_, err := credimport.ReadAWSProfile(profile, files)
		wantInvalid(t, err, []string{`AWS profile "` + profile + `" has no static keys`, want}, awsSecrets)
	}
}

func TestDefaultAWSFilesAndProfile(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	got, err := credimport.DefaultAWSFiles(env(map[string]string{"HOME": "/h"}))
	if err != nil || got != (credimport.AWSFiles{Credentials: "/h/.aws/credentials", Config: "/h/.aws/config"}) {
		t.Errorf("from HOME: %+v, %v", got, err)
	}
	got, err = credimport.DefaultAWSFiles(env(map[string]string{"HOME": "/h", "AWS_SHARED_CREDENTIALS_FILE": "/c", "AWS_CONFIG_FILE": "/f"}))
	if err != nil || got != (credimport.AWSFiles{Credentials: "/c", Config: "/f"}) {
		t.Errorf("from AWS_*_FILE: %+v, %v", got, err)
	}
	if _, err := credimport.DefaultAWSFiles(env(nil)); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("without HOME: %v, want EINVALID", err)
	}
	for vars, want := range map[*map[string]string]string{
		{}:                           "default",
		{"AWS_DEFAULT_PROFILE": "b"}: "b",
		{"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}: "a",
	} {
		if got := credimport.DefaultAWSProfile(env(*vars)); got != want {
			t.Errorf("DefaultAWSProfile(%v) = %q, want %q", *vars, got, want)
		}
	}
}

func TestReadAWSEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want revealed
	}{
		{"kaptain", map[string]string{
			"AWS_ACCESS_KEY_ID": minioAccessKey, "AWS_SECRET_ACCESS_KEY": minioSecretKey, "AWS_SESSION_TOKEN": devToken,
			"AWS_REGION": "us-east-1", "S3_ENDPOINT": "http://minio:9000", "S3_FORCE_PATH_STYLE": "true",
			"S3_SIGNATURE_VERSION": "s3v4",
		}, revealed{"AWS environment variables", minioAccessKey, minioSecretKey, devToken, "us-east-1",
			"http://minio:9000", "true", "s3v4"}},
		{"echoed values and aliases", map[string]string{
			"AWS_ACCESS_KEY": defaultKeyID + "\n", "AWS_SECRET_KEY": defaultSecret + "\n",
			"AWS_DEFAULT_REGION": "eu-central-1\n", "S3_FORCE_PATH_STYLE": "FALSE\n",
		}, revealed{Source: "AWS environment variables", KeyID: defaultKeyID, Secret: defaultSecret,
			Region: "eu-central-1", PathStyle: "false"}},
		{"AWS endpoints", map[string]string{
			"AWS_ACCESS_KEY_ID": devKeyID, "AWS_SECRET_ACCESS_KEY": devSecret, "AWS_REGION": "us-east-1",
			"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://all.local", "AWS_ENDPOINT_URL_S3": "http://s3.local",
		}, revealed{Source: "AWS environment variables", KeyID: devKeyID, Secret: devSecret, Region: "us-east-1",
			Endpoint: "http://s3.local"}},
		{"generic endpoint", map[string]string{
			"AWS_ACCESS_KEY_ID": devKeyID, "AWS_SECRET_ACCESS_KEY": devSecret, "AWS_ENDPOINT_URL": "http://all.local",
		}, revealed{Source: "AWS environment variables", KeyID: devKeyID, Secret: devSecret, Endpoint: "http://all.local"}},
		{"ignored AWS endpoints", map[string]string{
			"AWS_ACCESS_KEY_ID": devKeyID, "AWS_SECRET_ACCESS_KEY": devSecret, "AWS_ENDPOINT_URL": "http://all.local",
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "S3_ENDPOINT": "http://minio:9000",
		}, revealed{Source: "AWS environment variables", KeyID: devKeyID, Secret: devSecret, Endpoint: "http://minio:9000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := credimport.ReadAWSEnv(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, reveal(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadAWSEnvErrors(t *testing.T) {
	t.Parallel()
	keys := map[string]string{"AWS_ACCESS_KEY_ID": devKeyID, "AWS_SECRET_ACCESS_KEY": devSecret}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range keys {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing", nil, []string{"no AWS keys in the environment", "AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY)",
			"AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY)"}},
		{"no secret", map[string]string{"AWS_ACCESS_KEY_ID": devKeyID, "AWS_SESSION_TOKEN": devToken},
			[]string{"AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY) not set"}},
		{"no key id", map[string]string{"AWS_SECRET_ACCESS_KEY": devSecret},
			[]string{"AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) not set"}},
		{"bad bool", with(map[string]string{"S3_FORCE_PATH_STYLE": "yes"}), []string{"S3_FORCE_PATH_STYLE must be true or false"}},
		{"endpoints disagree", with(map[string]string{"S3_ENDPOINT": "http://a:9000", "AWS_ENDPOINT_URL_S3": "http://b:9000"}),
			[]string{"AWS_ENDPOINT_URL_S3 and S3_ENDPOINT name different endpoints"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := credimport.ReadAWSEnv(func(k string) string { return tt.env[k] })
			wantInvalid(t, err, tt.want, awsSecrets)
		})
	}
}

// The connection of AWS credentials carries them as the s3 type wants:
// keys and session token base64-encoded, the S3 options as parameters.
func TestAWSConnection(t *testing.T) {
	t.Parallel()
	c, err := credimport.ReadAWSProfile("dev", awsFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	conn := c.Connection("aws-dev", "s3://raw-data/input")
	mustValidate(t, []*tether.Connection{conn})
	got := map[string]string{
		"id": conn.ID, "type": conn.Spec.Type, "uri": conn.Spec.URI, "region": conn.Spec.Region,
		"keyID": unb64(t, conn.Spec.KeyID), "keySecret": unb64(t, conn.Spec.KeySecret),
		"sessionToken": unb64(t, tether.Secret(conn.Spec.Parameters["sessionToken"])),
		"endpoint":     conn.Spec.Parameters["endpoint"], "forcePathStyle": conn.Spec.Parameters["forcePathStyle"],
		"signatureVersion": conn.Spec.Parameters["signatureVersion"], "description": conn.Spec.Description,
	}
	want := map[string]string{
		"id": "aws-dev", "type": "s3", "uri": "s3://raw-data/input", "region": "us-east-1",
		"keyID": devKeyID, "keySecret": devSecret, "sessionToken": devToken,
		"endpoint": "http://minio.local:9000", "forcePathStyle": "true", "signatureVersion": "s3v4",
		"description": `Imported from AWS profile "dev"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("connection (-want +got):\n%s", diff)
	}
	noSecrets(t, strings.Join([]string{c.AccessKeyID.String(), c.SecretAccessKey.String()}, " "), awsSecrets)

	plain := (&credimport.AWS{Source: "x", AccessKeyID: "a", SecretAccessKey: "b", Region: "eu-central-1"}).Connection("x", "s3://bucket")
	if plain.Spec.Parameters != nil {
		t.Errorf("connection without options has parameters %v, want none", plain.Spec.Parameters)
	}
}
