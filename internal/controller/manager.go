package controller

import (
	"context"
	"io"
	"log/slog"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// Run runs the controller until ctx is done, logging to log.
func Run(ctx context.Context, cfg Config, log io.Writer) error {
	logger := newLogger(log)
	// Parts of controller-runtime log through its process-wide logger,
	// and warn on stderr when it was never set.
	ctrllog.SetLogger(logger)
	mgr, err := newManager(cfg, logger)
	if err != nil {
		return err
	}
	if err := setup(ctx, mgr, cfg); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// newScheme returns the types the controller reads and writes: the
// built-in ones and tether.ml/v1alpha1.
func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// restConfig returns the configuration of the cluster: from the kubeconfig
// file if given, else the pod's own. Its client is not rate-limited (as
// controller-runtime's own configuration is not): client-go's default of
// 5 requests a second would take minutes to deliver a few hundred syncs,
// or to visit the namespaces of a cluster; the API server's priority and
// fairness protects it instead.
func restConfig(kubeconfig string) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err == nil && cfg.QPS == 0 {
		cfg.QPS = -1
	}
	return cfg, err
}

// newManager returns a controller-runtime manager for cfg.
func newManager(cfg Config, log logr.Logger) (ctrl.Manager, error) {
	const op = "controller.newManager"
	rc, err := restConfig(cfg.Kubeconfig)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "kubernetes configuration: %v", err)
	}
	syncs, err := labels.Parse(cfg.Selector)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "--selector: %v", err)
	}
	scheme, err := newScheme()
	if err != nil {
		return nil, tether.Internal(op, err)
	}
	mgr, err := ctrl.NewManager(rc, ctrl.Options{
		Scheme:                  scheme,
		Logger:                  log,
		LeaderElection:          cfg.LeaderElect,
		LeaderElectionID:        DefaultLeaderElectionID,
		LeaderElectionNamespace: cfg.LeaderElectionNamespace,
		// The leader gives the Lease up when it stops, so that a
		// rolling update fails over at once rather than after the
		// Lease expires.
		LeaderElectionReleaseOnCancel: true,
		Metrics:                       metricsserver.Options{BindAddress: cfg.MetricsAddr},
		Cache:                         cacheOptions(syncs),
		Client:                        clientOptions(),
		HealthProbeBindAddress:        cfg.HealthAddr,
		PprofBindAddress:              cfg.PprofAddr,
		WebhookServer: webhook.NewServer(webhook.Options{
			Port: cfg.WebhookPort, CertDir: cfg.WebhookCertDir,
		}),
	})
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "controller manager: %v", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, tether.Internal(op, err)
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, tether.Internal(op, err)
	}
	return mgr, nil
}

// cacheOptions says what the manager's cache holds: the syncs that syncs
// selects, and of Secrets only those the controller manages, not every
// Secret of the cluster; none with its managed fields, which the
// controller never reads and which are a large part of a small object.
func cacheOptions(syncs labels.Selector) cache.Options {
	return cache.Options{DefaultTransform: cache.TransformStripManagedFields(), ByObject: map[ctrlclient.Object]cache.ByObject{
		&corev1.Secret{}:                  {Label: labels.SelectorFromSet(labels.Set{labelManagedBy: managedBy})},
		&v1alpha1.ConnectionSync{}:        {Label: syncs},
		&v1alpha1.ClusterConnectionSync{}: {Label: syncs},
	}}
}

// clientOptions makes the manager's client read restart targets from the
// API server: they are few, read only when a sync delivers, and caching
// them would hold every workload of the cluster.
func clientOptions() ctrlclient.Options {
	return ctrlclient.Options{Cache: &ctrlclient.CacheOptions{
		DisableFor: []ctrlclient.Object{&appsv1.Deployment{}, &appsv1.StatefulSet{}, &appsv1.DaemonSet{}},
	}}
}

// newLogger returns the controller's logger: JSON lines on w, as "tether
// server --log-format json" writes them.
func newLogger(w io.Writer) logr.Logger {
	return logr.FromSlogHandler(slog.NewJSONHandler(w, nil))
}
