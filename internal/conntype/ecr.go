package conntype

import (
	"fmt"
	"strings"

	"github.com/tether-ml/tether"
)

// ecrURIPattern matches <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]
// followed by an optional /prefix, which may name an image with its tag or
// digest (Odahu's end-to-end tests use one). Odahu's example uses a 10-digit account,
// so accounts are not held to AWS's 12 digits. Read-only.
var ecrURIPattern = tether.NewPattern(
	`^([0-9]{1,12})\.dkr\.ecr(-fips)?\.([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})\.amazonaws\.com(\.cn)?(?:/(.*))?$`)

// ecrType is an Amazon Elastic Container Registry, reached with IAM-user
// keys. Odahu's rules: keyID and keySecret required; the uri names the
// account and region; the region is derived from the uri when empty.
// Docker cannot use the keys: a delivery exchanges them for a registry
// token (exchangeECR, valid 12 hours), which renders as a docker
// config.json, and the keys stay on the server.
func ecrType() *tether.ConnectionType {
	return &tether.ConnectionType{
		Name:  "ecr",
		Group: tether.GroupRegistry,
		URI:   "<account>.dkr.ecr.<region>.amazonaws.com[/prefix], e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com/models",
		Example: &tether.ConnectionSpec{
			URI:         "123456789012.dkr.ecr.eu-central-1.amazonaws.com/models",
			KeyID:       tether.Secret(b64("AKIAIOSFODNN7EXAMPLE")),
			KeySecret:   tether.Secret(b64("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
			Description: "Images of the model servers"},
		Description: "Amazon ECR registry, e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com/prefix",
		Fields: withOdahuFields([]tether.Field{
			{Name: "region",
				Description: "AWS region of the registry; taken from the uri when empty"},
			{Name: "keyID", Required: true, Secret: true, Base64: true,
				Description: "Access key ID (AWS_ACCESS_KEY_ID), base64-encoded"},
			{Name: "keySecret", Required: true, Secret: true, Base64: true,
				Description: "Secret access key (AWS_SECRET_ACCESS_KEY), base64-encoded"},
		}),
		Parameters: []tether.Parameter{
			{Name: "endpoint", Format: tether.FormatURL,
				Description: "Endpoint URL of the ECR API when not the region's public one (a VPC interface endpoint)"},
		},
		Check:    checkECR,
		Render:   renderECR,
		Probe:    probeECR,
		Exchange: exchangeECR,
		Formats:  []tether.FileFormat{dockerConfigFormat()},
		// A delivered ecr connection is a docker login: Kubernetes pulls
		// with it as an imagePullSecret, and docker merges it with the
		// docker connections of a job.
		KubeSecret: dockerKubeSecret(),
		Shared:     dockerShared(),
		// Delivered, an ecr connection is a docker login with a registry
		// token (the keys stay on the server): Airflow gets it as a docker
		// connection, which cannot be read back as ecr.
		Airflow: &tether.AirflowForm{ConnTypes: []string{"docker"}, To: ecrToAirflow},
		Polyaxon: &tether.PolyaxonForm{Kind: "registry", Schema: registrySchema, Spec: func(schema map[string]any, s *tether.ConnectionSpec) error {
			u, err := schemaString(schema, "url")
			if _, rest, ok := strings.Cut(u, "://"); ok {
				u = rest
			}
			s.URI = u
			if err == nil && !ecrURIPattern.MatchString(u) {
				err = formError("the Polyaxon schema", "url is not an ECR registry")
			}
			return err
		}},
	}
}

// ecrToAirflow is the docker connection of the registry token a delivery
// carries.
func ecrToAirflow(c *tether.Connection) (*tether.AirflowConnection, error) {
	if c.Spec.Password == "" {
		return nil, tether.Errorf(tether.EINVALID, "ecr connection %q carries no registry token: it is exported as delivered", c.ID)
	}
	host, _, _ := strings.Cut(c.Spec.URI, "/")
	return &tether.AirflowConnection{ConnType: "docker", Description: c.Spec.Description, Host: host,
		Login: firstOf(c.Spec.Username, ecrUser), Password: tether.Secret(secretBytes(c.Spec.Password))}, nil
}

// checkECR checks the decoded keys and the uri, fills the region from the
// uri when empty, and otherwise checks that both agree.
func checkECR(s *tether.ConnectionSpec, p *tether.Problems) {
	checkDecodedText("spec.keyID", s.KeyID.Reveal(), p)
	checkDecodedText("spec.keySecret", s.KeySecret.Reveal(), p)
	if s.URI == "" {
		return
	}
	region, msg := ecrRegion(s.URI)
	switch {
	case msg != "":
		p.Add("spec.uri", msg)
	case s.Region == "":
		s.Region = region
	case s.Region != region && clean(s.Region):
		p.Add("spec.region", fmt.Sprintf("must be the uri's region %q or empty", region))
	}
}

// ecrRegion returns the region named by an ECR uri, or why the uri is not
// one.
func ecrRegion(uri string) (region, problem string) {
	m := ecrURIPattern.Regexp().FindStringSubmatch(uri)
	if m == nil {
		return "", "must be <account>.dkr.ecr.<region>.amazonaws.com[/prefix[:tag]], without scheme, " +
			"e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com/prefix"
	}
	region, china, prefix := m[3], m[4] != "", m[5]
	if china != strings.HasPrefix(region, "cn-") {
		return "", "must end in amazonaws.com.cn for China regions (cn-*) and only for them"
	}
	if prefix != "" && !validImagePath(prefix) {
		return "", "prefix must be lowercase repository components separated by '/', " +
			"optionally ending in an image's :tag or @digest"
	}
	return region, ""
}

// renderECR gives the docker config.json of the registry token that a
// delivery puts in place of the keys (username and password, as
// exchangeECR sets them). The keys themselves are not rendered: a
// connection without a token, as stored, is refused.
func renderECR(c *tether.Connection, dir string) (*tether.Rendering, error) {
	if c.Spec.Password == "" {
		return nil, tether.Errorf(tether.EINVALID, "ecr connection %q carries no registry token: it is rendered as "+
			"delivered (tether run, tether conn render, the controller, or decrypted?delivery=true), "+
			"for which the server exchanges its keys for a token", c.ID)
	}
	d := c.Clone()
	if d.Spec.Username == "" {
		d.Spec.Username = ecrUser
	}
	host, _, _ := strings.Cut(c.Spec.URI, "/")
	d.Spec.URI = host
	return renderDocker(d, dir)
}

// Image references of the distribution grammar: a tag, or a digest.
var (
	imageTagPattern    = tether.NewPattern(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	imageDigestPattern = tether.NewPattern(`^[a-z0-9]+([+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$`)
)

// validImagePath reports whether path is a repository path, optionally
// naming an image by tag ("team/model:1.0") or digest ("team/model@sha256:...").
func validImagePath(path string) bool {
	if repo, digest, ok := strings.Cut(path, "@"); ok {
		return validRepoPath(repo) && !strings.HasSuffix(repo, "/") && imageDigestPattern.MatchString(digest)
	}
	last := path[strings.LastIndex(path, "/")+1:]
	if i := strings.IndexByte(last, ':'); i >= 0 {
		repo := path[:len(path)-len(last)+i]
		return validRepoPath(repo) && !strings.HasSuffix(repo, "/") && imageTagPattern.MatchString(last[i+1:])
	}
	return validRepoPath(path)
}
