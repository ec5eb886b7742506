package cli

import (
	"bytes"
	"context"
	"path"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/kube"
)

const connExportLong = `Print connections in the form a peer system reads. --to polyaxon prints a
multi-document YAML: first the connections and notificationConnections of
a Polyaxon agent config (one entry per connection: its id as name, its
type's Polyaxon kind and schema, and a secret reference), then the
Kubernetes Secret each entry refers to, which holds the connection as
"tether conn render --as k8s-secret" renders it: its variables as keys
(secret: {name}), or, for the types whose credentials are files (gcs,
docker, git...), its files, mounted at --mount-base/<id>
(secret: {name, mountPath}). A connection that refers to a Secret or
ConfigMap of its own keeps that reference and gets no Secret.

The connections are read as delivered (secrets revealed, the read
audited); apply the Secrets in the namespace where Polyaxon runs its jobs.`

// exportOptions are the flags of "conn export".
type exportOptions struct {
	to, namespace, mountBase string
	ids, types               []string
}

func (a *app) connExportCommand() *cobra.Command {
	o := exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --to polyaxon [--id ID]... [--type TYPE]...",
		Short: "Print connections as a Polyaxon agent config with the Secrets it refers to",
		Long:  connExportLong,
		Example: `  tether conn export --to polyaxon > polyaxon-connections.yaml
  tether conn export --to polyaxon --id training-data --id registry --k8s-namespace polyaxon`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.to != "polyaxon" {
				return usagef("--to %q: the only peer is polyaxon", o.to)
			}
			if !path.IsAbs(o.mountBase) || path.Clean(o.mountBase) != o.mountBase {
				return usagef("--mount-base must be an absolute, clean path")
			}
			out, err := a.exportPolyaxon(cmd.Context(), o)
			if err != nil {
				return err
			}
			_, err = a.env.Stdout.Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "the peer's format: polyaxon")
	f.StringSliceVar(&o.ids, "id", nil, "export these connections (default: every one of the namespace)")
	f.StringSliceVar(&o.types, "type", nil, "export the connections of these types")
	f.StringVar(&o.namespace, "k8s-namespace", "", "metadata.namespace of the Secrets")
	f.StringVar(&o.mountBase, "mount-base", "/etc/tether", "where the Secrets that hold files are mounted, under the connection's id")
	_ = cmd.MarkFlagRequired("to")
	a.completeIDs(cmd, "id")
	return cmd
}

// polyaxonConfig is the part of a Polyaxon agent config that holds
// connections.
type polyaxonConfig struct {
	Connections             []*tether.PolyaxonConnection `json:"connections,omitempty"`
	NotificationConnections []*tether.PolyaxonConnection `json:"notificationConnections,omitempty"`
}

// exportPolyaxon returns the config and the Secrets of the connections o
// selects.
func (a *app) exportPolyaxon(ctx context.Context, o exportOptions) ([]byte, error) {
	cl, err := a.client()
	if err != nil {
		return nil, err
	}
	ids, err := a.exportIDs(ctx, cl, o)
	if err != nil {
		return nil, err
	}
	var cfg polyaxonConfig
	var secrets []runtime.Object
	for _, id := range ids {
		c, err := cl.Deliver(ctx, a.ns(), id)
		if err != nil {
			return nil, err
		}
		entry, secret, err := a.polyaxonEntry(c, o)
		if err != nil {
			return nil, err
		}
		if a.types.Type(c.Spec.Type).Group == tether.GroupNotification {
			cfg.NotificationConnections = append(cfg.NotificationConnections, entry)
		} else {
			cfg.Connections = append(cfg.Connections, entry)
		}
		if secret != nil {
			secrets = append(secrets, secret)
		}
	}
	return polyaxonYAML(cfg, secrets)
}

// exportIDs are the ids o names, or every id of the namespace (of o's
// types).
func (a *app) exportIDs(ctx context.Context, cl *client.Client, o exportOptions) ([]string, error) {
	if len(o.ids) > 0 {
		return o.ids, nil
	}
	list, err := cl.ListAll(ctx, a.ns(), o.types)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tether.Errorf(tether.ENOTFOUND, "no connection to export")
	}
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	return ids, nil
}

// polyaxonEntry is c's Polyaxon entry and the Secret it refers to (none
// when c refers to an object of its own).
func (a *app) polyaxonEntry(c *tether.Connection, o exportOptions) (*tether.PolyaxonConnection, runtime.Object, error) {
	entry, err := a.types.ToPolyaxon(c)
	if err != nil || entry.Secret != nil || entry.ConfigMap != nil {
		return entry, nil, err
	}
	t := a.types.Type(c.Spec.Type)
	env, err := kube.EnvMode(c, t)
	if err != nil {
		return nil, nil, err
	}
	opts := kube.DeliveryOptions{Namespace: o.namespace}
	entry.Secret = &tether.ObjectRef{Name: c.ID}
	if !env {
		opts.MountPath = path.Join(o.mountBase, c.ID)
		entry.Secret.MountPath = opts.MountPath
	}
	s, err := kube.Secret(c, t, opts)
	if err != nil {
		return nil, nil, err
	}
	return entry, s, nil
}

// polyaxonYAML is the config, then each Secret, as documents of one YAML
// stream.
func polyaxonYAML(cfg polyaxonConfig, secrets []runtime.Object) ([]byte, error) {
	doc, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, tether.Internal("cli.polyaxonYAML", err)
	}
	var buf bytes.Buffer
	buf.Write(doc)
	if len(secrets) > 0 {
		objs, err := kube.ManifestYAML(secrets...)
		if err != nil {
			return nil, err
		}
		buf.WriteString("---\n")
		buf.Write(objs)
	}
	return buf.Bytes(), nil
}
