package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/credimport"
)

const connImportAWSLong = `Create an s3 connection to the bucket --uri names, with the credentials of:

  a profile of the AWS shared files (the default), read with the AWS SDK:
    files    AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, else
             ~/.aws/credentials and ~/.aws/config
    profile  --profile, else AWS_PROFILE, else default
    read     aws_access_key_id, aws_secret_access_key, aws_session_token,
             region, endpoint_url (the s3 endpoint_url of its services
             section first), and its "s3 =" block: addressing_style = path
             sets forcePathStyle, signature_version signatureVersion
  or, with --from-env, the environment, as Kaptain's from_env() reads it:
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    AWS_REGION (or AWS_DEFAULT_REGION), S3_ENDPOINT (or AWS_ENDPOINT_URL_S3,
    else AWS_ENDPOINT_URL), S3_FORCE_PATH_STYLE, S3_SIGNATURE_VERSION

The id is --id, else aws-<profile>; --from-env needs --id. A profile that
assumes a role, or signs in with SSO, has no keys to import.`

// awsImportOptions are the flags of "conn import aws".
type awsImportOptions struct {
	profile, id, uri, region string
	fromEnv                  bool
}

func (a *app) connImportAWSCommand() *cobra.Command {
	var (
		f importFlags
		o awsImportOptions
	)
	cmd := &cobra.Command{
		Use:   "aws --uri s3://BUCKET[/PATH] [--profile NAME | --from-env] [--id ID]",
		Short: "Create an s3 connection from an AWS profile or the AWS environment variables",
		Long:  connImportAWSLong,
		Example: `  tether conn import aws --uri s3://raw-data/input --dry-run
  tether conn import aws --profile minio --uri s3://models --id models
  tether conn import aws --from-env --id training-data --uri s3://raw-data/model/input`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.awsConnection(o)
			if err != nil {
				return err
			}
			return a.runImport(cmd.Context(), &credimport.Result{Connections: []*tether.Connection{c}}, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.uri, "uri", "", "the bucket, and the path in it: s3://BUCKET[/PATH] (required)")
	fl.StringVar(&o.profile, "profile", "", "profile of the AWS shared files (default: AWS_PROFILE, else default)")
	fl.BoolVar(&o.fromEnv, "from-env", false, "read the AWS_* and S3_* environment variables instead of the shared files")
	fl.StringVar(&o.id, "id", "", "connection id (default: aws-<profile>)")
	fl.StringVar(&o.region, "region", "", "region, if the source sets none or to replace it")
	_ = cmd.MarkFlagRequired("uri")
	f.add(cmd)
	return cmd
}

// awsConnection reads the credentials o names into an s3 connection.
func (a *app) awsConnection(o awsImportOptions) (*tether.Connection, error) {
	var (
		src      *credimport.AWS
		err      error
		noRegion = "AWS_REGION and AWS_DEFAULT_REGION are not set"
		getenv   = a.env.Getenv
	)
	switch {
	case o.profile != "" && o.fromEnv:
		return nil, usagef("give --profile or --from-env, not both")
	case o.fromEnv && o.id == "":
		return nil, usagef("--from-env needs --id")
	case o.fromEnv:
		src, err = credimport.ReadAWSEnv(getenv)
	default:
		profile := firstNonEmpty(o.profile, credimport.DefaultAWSProfile(getenv))
		if o.id == "" {
			if o.id = credimport.DeriveID("aws-", profile); o.id == "" {
				return nil, usagef("no valid id can be derived from profile %q: give --id", profile)
			}
		}
		var files credimport.AWSFiles
		if files, err = credimport.DefaultAWSFiles(getenv); err == nil {
			src, err = credimport.ReadAWSProfile(profile, files)
		}
		noRegion = fmt.Sprintf("AWS profile %q sets none in %s", profile, files.Config)
	}
	if err != nil {
		return nil, err
	}
	if o.region != "" {
		src.Region = o.region
	}
	if src.Region == "" {
		return nil, tether.Errorf(tether.EINVALID, "no region: %s; give --region", noRegion)
	}
	return src.Connection(o.id, o.uri), nil
}
