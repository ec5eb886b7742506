package controller_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/kube"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// benchWorld is the benchmark's world: the test API server with the CRDs,
// a Tether server, and names of the run's own (the API server keeps
// namespaces forever, so every run takes fresh ones).
type benchWorld struct {
	kubeconfig string
	cfg        *rest.Config      // the API server's admin, not throttled
	k          ctrlclient.Client // through cfg
	core       kubernetes.Interface
	run        string // prefix of the run's namespaces and connections
	tether     *tetherServer
	admin      *client.Client // Tether's admin
	token      string         // the controllers' token for Tether
}

// newBenchWorld starts Tether and installs the CRDs.
func newBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	kc := kubetest.Kubeconfig(b)
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		b.Fatal(err)
	}
	cfg.QPS = -1 // thousands of objects to create
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		b.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		b.Fatal(err)
	}
	k, err := ctrlclient.New(cfg, ctrlclient.Options{Scheme: s})
	if err != nil {
		b.Fatal(err)
	}
	w := &benchWorld{kubeconfig: kc, cfg: cfg, k: k, core: kubernetes.NewForConfigOrDie(cfg),
		run: "bench-" + randomSuffix(b)}
	installCRDs(b, kubeClient(b, kc))
	w.tether = startTether(b, kc)
	w.admin = w.tether.admin()
	w.token = w.controllerToken(b)
	return w
}

// namespace creates namespace name with ServiceAccount sa, and binds sa
// to role in Tether's default namespace.
func (w *benchWorld) namespace(b testing.TB, name, sa string, role tether.Role) {
	b.Helper()
	ctx := b.Context()
	err := w.k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	err = w.k.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: sa}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	_, err = w.admin.CreateRoleBinding(ctx, tether.RoleBinding{
		Namespace: tether.DefaultNamespace, Role: role, Subject: "serviceaccount:" + name + ":" + sa})
	if err != nil {
		b.Fatalf("bind %s/%s: %v", name, sa, err)
	}
}

// namespaces creates n namespaces named after prefix, each with its
// default ServiceAccount bound to the user role in Tether, and returns
// their names.
func (w *benchWorld) namespaces(b testing.TB, prefix string, n int) []string {
	b.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%s%d", w.run, prefix, i)
		w.namespace(b, out[i], "default", tether.RoleUser)
	}
	return out
}

// controllerToken returns an hour-long token for the controller's own
// ServiceAccount, which may read (masked) the connections of Tether's
// default namespace and so follow their change feed.
func (w *benchWorld) controllerToken(b testing.TB) string {
	b.Helper()
	ns := w.run + "-ctl"
	w.namespace(b, ns, "tether-controller", tether.RoleUser)
	secs := int64(3600)
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{Audiences: []string{"tether"}, ExpirationSeconds: &secs}}
	res, err := w.core.CoreV1().ServiceAccounts(ns).CreateToken(b.Context(), "tether-controller", req, metav1.CreateOptions{})
	if err != nil {
		b.Fatalf("token of the controller: %v", err)
	}
	return res.Status.Token
}

// connections creates n s3 connections named after prefix in Tether's
// default namespace, connection i with secret key keyOf(i), and returns
// their ids.
func (w *benchWorld) connections(b testing.TB, prefix string, n int, keyOf func(int) string) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%s%d", w.run, prefix, i)
		if _, err := w.admin.Create(b.Context(), "", s3Spec(ids[i], keyOf(i))); err != nil {
			b.Fatalf("create connection %s: %v", ids[i], err)
		}
	}
	return ids
}

// createSyncs creates the syncs with 16 workers, labelled run for a
// controller that selects them.
func (w *benchWorld) createSyncs(b testing.TB, syncs []*v1alpha1.ConnectionSync, run string) {
	b.Helper()
	work := make(chan *v1alpha1.ConnectionSync)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for s := range work {
				s.Labels = map[string]string{testRunLabel: run}
				if err := w.k.Create(b.Context(), s); err != nil {
					select {
					case errs <- fmt.Errorf("create ConnectionSync %s/%s: %w", s.Namespace, s.Name, err):
					default:
					}
				}
			}
		})
	}
	for _, s := range syncs {
		work <- s
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// deleteSyncs deletes the syncs labelled run in namespaces nss, and waits
// (at most 5 minutes) until the garbage collector has removed their
// Secrets, which would otherwise still be collected during what runs next.
func (w *benchWorld) deleteSyncs(b testing.TB, nss []string, run string) {
	ctx := context.Background() // b's own is done by its cleanup
	for _, ns := range nss {
		err := w.k.DeleteAllOf(ctx, &v1alpha1.ConnectionSync{}, ctrlclient.InNamespace(ns), ctrlclient.MatchingLabels{testRunLabel: run})
		if err != nil {
			b.Errorf("delete the syncs of %s: %v", ns, err)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for _, ns := range nss {
		for {
			var left metav1.PartialObjectMetadataList
			left.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
			err := w.k.List(ctx, &left, ctrlclient.InNamespace(ns), ctrlclient.MatchingLabels{kube.ManagedByLabel: kube.ManagedBy})
			if err != nil || len(left.Items) == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Logf("%d Secrets of %s not yet collected after 5 minutes", len(left.Items), ns)
				return
			}
			time.Sleep(time.Second)
		}
	}
}
