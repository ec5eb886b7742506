package controller

import (
	"cmp"
	"time"

	"github.com/spf13/pflag"

	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/kube"
)

// Config is the configuration of "tether controller", from its flags and
// environment.
type Config struct {
	// Tether is how the controller reaches Tether: the URL, the CA and the
	// timeouts. Its token (or token file) is the controller's own
	// identity, used for the change feed and the ClusterConnectionSyncs;
	// in a pod, a projected ServiceAccount token with Tether's audience.
	Tether client.ClientConfig
	// Audience is the audience of the tokens requested for the
	// ServiceAccounts of ConnectionSyncs: the one Tether's TokenReview
	// asks for (tether server --k8s-audience).
	Audience string
	// Kubeconfig is the cluster's kubeconfig; "" means the pod's cluster.
	Kubeconfig string
	// LeaderElect makes replicas elect one leader (a Lease named
	// LeaderElectionID in LeaderElectionNamespace) that alone reconciles.
	LeaderElect             bool
	LeaderElectionNamespace string
	// ResyncInterval is how often every sync is compared with Tether when
	// the change feed reports nothing; a sync's spec.resyncInterval
	// overrides it.
	ResyncInterval time.Duration
	// MaxConcurrentReconciles bounds the syncs reconciled at once, per
	// kind.
	MaxConcurrentReconciles int
	// MetricsAddr and HealthAddr are where the Prometheus metrics and the
	// /healthz and /readyz probes are served; "0" turns either off.
	MetricsAddr, HealthAddr string
	// PprofAddr, if set, is where Go's profiles (/debug/pprof) are
	// served: for finding where a slow controller spends its time.
	PprofAddr string
	// Webhook serves the pod-injection admission webhook on WebhookPort
	// with the certificate and key in WebhookCertDir (tls.crt, tls.key),
	// reloaded when they change.
	Webhook        bool
	WebhookPort    int
	WebhookCertDir string
	// Selector, if set, is a label selector: the controller serves only
	// the syncs of both kinds that it matches (and its webhook only their
	// connections), so that several controllers can share a cluster.
	Selector string
	// NotebookURL, if set, makes the controller keep in every namespace a
	// ClusterConnectionSync selects a PodDefault that gives notebooks
	// access to Tether at this URL as their namespace's ServiceAccount.
	NotebookURL string
}

// Defaults of the flags.
const (
	DefaultResyncInterval   = 10 * time.Minute
	DefaultLeaderElectionID = "tether-controller"
	DefaultWebhookPort      = 9443
	DefaultWebhookCertDir   = "/var/run/tether/webhook-certs"
)

// bindFlags registers the flags of "tether controller" on f, with their
// defaults from the environment (getenv).
func (c *Config) bindFlags(f *pflag.FlagSet, getenv func(string) string) {
	f.StringVar(&c.Audience, "audience", cmp.Or(getenv("TETHER_K8S_AUDIENCE"), kube.DefaultAudience),
		"audience of the ServiceAccount tokens requested to read connections (env TETHER_K8S_AUDIENCE)")
	f.StringVar(&c.Kubeconfig, "kubeconfig", getenv("KUBECONFIG"),
		"kubeconfig of the cluster to deliver into (env KUBECONFIG; in a pod: the pod's cluster)")
	f.BoolVar(&c.LeaderElect, "leader-elect", false,
		"elect a leader among replicas, so that one reconciles at a time")
	f.StringVar(&c.LeaderElectionNamespace, "leader-election-namespace", getenv("POD_NAMESPACE"),
		"namespace of the leader-election Lease (env POD_NAMESPACE; in a pod: the pod's namespace)")
	f.DurationVar(&c.ResyncInterval, "resync-interval", DefaultResyncInterval,
		"how often each sync is compared with Tether when the change feed reports nothing")
	f.IntVar(&c.MaxConcurrentReconciles, "max-concurrent-reconciles", 16,
		"syncs of each kind reconciled at once (each mostly waits for Tether and the API server)")
	f.StringVar(&c.MetricsAddr, "metrics-addr", ":8080", "address of the Prometheus metrics; 0 turns them off")
	f.StringVar(&c.HealthAddr, "health-addr", ":8081", "address of /healthz and /readyz; 0 turns them off")
	f.StringVar(&c.PprofAddr, "pprof-addr", "", "address of Go's profiles (/debug/pprof); empty: none")
	f.StringVar(&c.Selector, "selector", "",
		"serve only the ConnectionSyncs and ClusterConnectionSyncs with these labels (a label selector, e.g. tether.ml/shard=a)")
	f.BoolVar(&c.Webhook, "webhook", false, "serve the pod-injection admission webhook")
	f.IntVar(&c.WebhookPort, "webhook-port", DefaultWebhookPort, "port of the admission webhook")
	f.StringVar(&c.WebhookCertDir, "webhook-cert-dir", DefaultWebhookCertDir,
		"directory with the webhook's tls.crt and tls.key, reloaded when they change")
	f.StringVar(&c.NotebookURL, "notebook-url", getenv("TETHER_NOTEBOOK_URL"),
		"Tether's URL as notebooks reach it: keep an access-tether PodDefault in the namespaces cluster syncs select (env TETHER_NOTEBOOK_URL)")
}
