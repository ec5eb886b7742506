package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/delivery"
	"github.com/tether-ml/tether/internal/kube"
)

// renderLongHead and renderLongTail frame the help's list of formats,
// whose file formats and Secret types the registry gives (renderFormats).
const renderLongHead = `Print a connection in the form its consumers expect. The connection is read
revealed (and the read audited, for --job).

  env              export NAME='value' lines, for eval in a shell
  dotenv           NAME="value" lines, for docker compose's env_file, python-dotenv
  json             {"env": {...}, "files": {"name": "content"}}
`

const renderLongTail = `  poddefault       the Secret and a kubeflow.org/v1alpha1 PodDefault that
                   injects it into pods labelled <name>: "true": mounted as
                   files with --mount-path, one variable per --items key, or
                   every key as a variable (each from a secretKeyRef)
                   otherwise; a connection that refers to a Secret or
                   ConfigMap of the namespace (spec.secret,
                   spec.configMap), or is a volume (host_path,
                   volume_claim), gets a PodDefault that takes them as
                   its spec says, and no Secret

Kubeflow refuses a pod given two connections of one type (they would
mix); give each but one its own --prefix (e.g. TEAM_B_, as tether run
names a second connection's variables) and mount path.

Variables that point at files (AWS_SHARED_CREDENTIALS_FILE, DOCKER_CONFIG,
GIT_SSH_COMMAND...) are printed only with --dir, which writes the files
there (the directory is created 0700, files 0600).`

// renderOptions are the flags of "conn render".
type renderOptions struct {
	id, as, dir string
	output      string // of --as airflow: uri or json
	k8s         kube.DeliveryOptions
	formats     *renderFormats
}

func (a *app) connRenderCommand() *cobra.Command {
	o := renderOptions{formats: newRenderFormats(a.types)}
	cmd := &cobra.Command{
		Use:   "render --id ID --as FORMAT",
		Short: "Print a connection as environment variables, files or Kubernetes objects",
		Long:  o.formats.help(),
		Example: `  eval "$(tether conn render --id training-data --as env)"
  tether conn render --id training-data --as dotenv > .env
  tether conn render --id registry --as docker-config > config.json
  tether conn render --id ml-repository --as env --dir ./conn > conn.env
  tether conn render --id training-data --as poddefault --k8s-namespace user | kubectl apply -f -
  tether conn render --id registry --as poddefault --mount-path /home/jovyan/.docker | kubectl apply -f -
  tether conn render --id team-b-data --as poddefault --prefix TEAM_B_DATA_ | kubectl apply -f -
  tether conn render --id training-data --as airflow >> airflow.env
  tether conn render --id training-data --as airflow -o json > connections.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			c, err := cl.Deliver(cmd.Context(), a.ns(), o.id)
			if err != nil {
				return err
			}
			out, err := a.render(c, o)
			if err != nil {
				return err
			}
			_, err = a.env.Stdout.Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.id, "id", "", "connection id")
	f.StringVar(&o.as, "as", "", "format: "+strings.Join(o.formats.names, ", "))
	f.StringVarP(&o.output, "output", "o", "uri", "with --as airflow: uri (an AIRFLOW_CONN_ line) or json (a connections file)")
	f.StringVar(&o.dir, "dir", "", "write the connection's files into this directory (env, dotenv, json)")
	f.StringVar(&o.k8s.Namespace, "k8s-namespace", "", "metadata.namespace of the Kubernetes objects")
	f.StringVar(&o.k8s.MountPath, "mount-path", "", "mount the connection's files at this path (poddefault)")
	f.StringSliceVar(&o.k8s.Items, "items", nil, "expose only these keys, one variable each (poddefault)")
	f.StringVar(&o.k8s.Prefix, "prefix", "", "put this before every variable's name (poddefault, env, dotenv, json)")
	f.StringVar(&o.k8s.Name, "name", "", "name of the Kubernetes objects and of the PodDefault's label (default: the id)")
	_ = cmd.RegisterFlagCompletionFunc("as", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return o.formats.names, cobra.ShellCompDirectiveNoFileComp
	})
	a.completeIDs(cmd, "id")
	return cmd
}

// check refuses bad flags before anything is read.
func (o *renderOptions) check() error {
	if o.id == "" {
		return usagef("--id is required")
	}
	if !slices.Contains(o.formats.names, o.as) {
		return usagef("--as %q: use one of %s", o.as, strings.Join(o.formats.names, ", "))
	}
	switch {
	case o.as == "airflow" && o.output != "" && o.output != "uri" && o.output != "json":
		return usagef("-o %q: with --as airflow, use uri or json", o.output)
	case o.as != "airflow" && o.output != "" && o.output != "uri":
		return usagef("-o goes with --as airflow")
	}
	if o.dir != "" && o.as != "env" && o.as != "dotenv" && o.as != "json" {
		return usagef("--dir goes with --as env, dotenv or json")
	}
	if o.k8s.Prefix != "" && o.as != "poddefault" && o.as != "env" && o.as != "dotenv" && o.as != "json" {
		return usagef("--prefix goes with --as poddefault, env, dotenv or json")
	}
	if msg := kube.PrefixProblem(o.k8s.Prefix); msg != "" {
		return usagef("--prefix %s", msg)
	}
	return nil
}

// render returns c in the format of o.
func (a *app) render(c *tether.Connection, o renderOptions) ([]byte, error) {
	t := a.types.Type(c.Spec.Type)
	if t == nil || t.Render == nil {
		return nil, tether.Errorf(tether.EINVALID, "connection %s has type %q, which cannot be rendered", c.ID, c.Spec.Type)
	}
	if err := delivery.OnHost(c); err != nil && o.as != "poddefault" {
		return nil, err
	}
	switch o.as {
	case "k8s-secret":
		s, err := kube.Secret(c, t, o.k8s)
		return k8sYAML(err, s)
	case "poddefault":
		return poddefaultYAML(c, t, o.k8s)
	case "airflow":
		return a.airflowForm(c, o.output)
	}
	if ff := o.formats.file(o.as); ff != nil {
		return renderedFile(c, t, ff)
	}
	dir := ""
	if o.dir != "" {
		var err error
		if dir, err = prepareDir(o.dir); err != nil {
			return nil, err
		}
	}
	r, err := t.Render(c, dir)
	if err != nil {
		return nil, err
	}
	if err := delivery.RenderedOnHost(c, r); err != nil {
		return nil, err
	}
	if dir != "" {
		if err := delivery.Write(dir, r.Files); err != nil {
			return nil, err
		}
	}
	return formatRendering(o.as, r, dir == "", o.k8s.Prefix)
}

// poddefaultYAML is the Secret and the PodDefault that injects it, or the
// PodDefault alone for a connection that has no Secret of Tether's own
// (it refers to the user's Secret or ConfigMap, or is a volume).
func poddefaultYAML(c *tether.Connection, t *tether.ConnectionType, o kube.DeliveryOptions) ([]byte, error) {
	pd, err := kube.PodDefault(c, t, o)
	if err != nil {
		return nil, err
	}
	if own, err := kube.OwnSecret(c, t); !own || err != nil {
		return k8sYAML(err, pd)
	}
	s, err := kube.Secret(c, t, o)
	return k8sYAML(err, s, pd)
}

func k8sYAML(err error, objs ...runtime.Object) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return kube.ManifestYAML(objs...)
}

// renderedFile returns the file of file format ff of c's rendering; only
// the types that declare ff have it.
func renderedFile(c *tether.Connection, t *tether.ConnectionType, ff *fileFormat) ([]byte, error) {
	r, err := t.Render(c, "")
	if err != nil {
		return nil, err
	}
	data, ok := r.Files[ff.File]
	if !slices.Contains(ff.types, t.Name) || !ok {
		return nil, tether.Errorf(tether.EINVALID, "connection %s is of type %s: this format needs a %s connection",
			c.ID, c.Spec.Type, enumerate(ff.types, "or"))
	}
	return data, nil
}

// prepareDir creates dir (0700) if needed and returns its absolute path;
// an existing one must be private to its owner.
func prepareDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", tether.Errorf(tether.EINVALID, "--dir %s: %v", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", tether.Errorf(tether.EINVALID, "--dir %s: %v", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil || fi.Mode().Perm()&0o077 != 0 {
		return "", tether.Errorf(tether.EINVALID, "--dir %s must be readable by its owner only (chmod 700)", dir)
	}
	return abs, nil
}
