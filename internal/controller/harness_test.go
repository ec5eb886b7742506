package controller_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/controller"
	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// harness is one test's world: the test API server with the sync and
// PodDefault CRDs, a namespace of its own, a Tether server, and the
// controller running in-process.
type harness struct {
	t          *testing.T
	kubeconfig string
	k          ctrlclient.Client // the API server's admin
	ns         string            // the test's namespace
	tether     *tetherServer
	admin      *client.Client // Tether's admin
	logs       *syncBuffer    // the controller's
	ownToken   string         // the controller's own token, once made
}

// newHarness starts Tether and the controller (with resync as its
// resync interval) for t, in a namespace of t's own whose default
// ServiceAccount exists.
func newHarness(t *testing.T, resync time.Duration) *harness {
	t.Helper()
	h := newWorld(t)
	h.startController(resync)
	return h
}

// newWorld is newHarness without the controller.
func newWorld(t *testing.T) *harness {
	t.Helper()
	kc := kubetest.Kubeconfig(t)
	h := &harness{t: t, kubeconfig: kc, k: kubeClient(t, kc), ns: "csync-" + randomSuffix(t)}
	installCRDs(t, h.k)
	awaitGC(t, h.k)
	h.createNamespace(h.ns, nil)
	h.createServiceAccount(h.ns, "default")
	h.tether = startTether(t, kc)
	h.admin = h.tether.admin()
	return h
}

// kubeClient returns a client of the API server with kubeconfig's admin.
func kubeClient(t testing.TB, kubeconfig string) ctrlclient.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := apiextv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := ctrlclient.New(cfg, ctrlclient.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// installCRDs creates the chart's sync CRDs and Kubeflow's PodDefault CRD
// unless they exist, and waits until they are served.
func installCRDs(t testing.TB, k ctrlclient.Client) {
	t.Helper()
	files, err := filepath.Glob("../../charts/tether/crds/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("the chart's CRDs: %v %v", files, err)
	}
	for _, f := range append(files, "../kube/testdata/poddefault-crd.yaml") {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(raw, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := k.Create(t.Context(), crd); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create CRD %s: %v", crd.Name, err)
		}
		waitFor(t, 30*time.Second, "CRD "+crd.Name+" to be served", func() (bool, string) {
			got := &apiextv1.CustomResourceDefinition{}
			if err := k.Get(t.Context(), types.NamespacedName{Name: crd.Name}, got); err != nil {
				return false, err.Error()
			}
			for _, c := range got.Status.Conditions {
				if c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue {
					return true, ""
				}
			}
			return false, "not established"
		})
	}
}

// gcFollows is whether the cluster's garbage collector was seen to follow
// both kinds of syncs, or why not.
var gcFollows struct {
	once sync.Once
	err  string
}

// awaitGC waits, once per test process, until the garbage collector of the
// test API server (kube-controller-manager's, started by kube.sh) removes
// what a deleted sync of either kind owns, and fails t if it did not. The
// collector learns of new CRDs from its discovery every 30 s; a sync
// deleted before it watches the kind would leave its Secrets behind.
func awaitGC(t testing.TB, k ctrlclient.Client) {
	t.Helper()
	gcFollows.once.Do(func() { gcFollows.err = probeGC(t, k) })
	if gcFollows.err != "" {
		t.Fatal(gcFollows.err)
	}
}

// probeGC returns why the garbage collector does not follow both kinds of
// syncs within two minutes, or "".
func probeGC(t testing.TB, k ctrlclient.Client) string {
	ns := "gc-probe-" + randomSuffix(t)
	if err := k.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return err.Error()
	}
	// probes no controller of the tests serves: no sync selector matches
	// them, and the cluster sync selects no namespace
	ref := v1alpha1.DeliverySpec{Connection: v1alpha1.ConnectionRef{Namespace: "default", ID: "gc-probe"}}
	owners := []ctrlclient.Object{
		&v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Namespace: ns},
			Spec: v1alpha1.ConnectionSyncSpec{DeliverySpec: ref}},
		&v1alpha1.ClusterConnectionSync{Spec: v1alpha1.ClusterConnectionSyncSpec{DeliverySpec: ref,
			NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"tether-test-gc-probe": "none"}}}},
	}
	for _, owner := range owners {
		why := ""
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
			var ok bool
			if ok, why = collected(t, k, ns, owner); ok {
				break
			}
			time.Sleep(time.Second)
		}
		if why != "" {
			return "the garbage collector does not follow " + kindOf(owner) + ": " + why
		}
	}
	return ""
}

// collected creates a sync like owner and a ConfigMap it owns in ns, deletes the
// sync, and reports whether the ConfigMap went with it within 5 s.
func collected(t testing.TB, k ctrlclient.Client, ns string, owner ctrlclient.Object) (bool, string) {
	ctx := t.Context()
	o := owner.DeepCopyObject().(ctrlclient.Object)
	o.SetName("probe-" + randomSuffix(t))
	if err := k.Create(ctx, o); err != nil {
		return false, "create " + kindOf(o) + ": " + err.Error()
	}
	gvk, err := k.GroupVersionKindFor(o)
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: o.GetName(),
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(o, gvk)}}}
	if err := k.Create(ctx, cm); err != nil {
		return false, "create ConfigMap: " + err.Error()
	}
	if err := k.Delete(ctx, o); err != nil {
		return false, "delete " + kindOf(o) + ": " + err.Error()
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := k.Get(ctx, ctrlclient.ObjectKeyFromObject(cm), cm); apierrors.IsNotFound(err) {
			return true, ""
		}
	}
	_ = k.Delete(ctx, cm)
	return false, "a ConfigMap outlived its owner by 5 s: is kube-controller-manager running (scripts/testenv/kube.sh)?"
}

// kindOf is the Go type name of obj, for messages.
func kindOf(obj ctrlclient.Object) string { return fmt.Sprintf("%T", obj) }

// startController runs the controller in-process until the end of the
// test, as a ServiceAccount of the test's namespace that Tether's admin
// binds to the user role in Tether's default namespace.
func (h *harness) startController(resync time.Duration) {
	h.t.Helper()
	h.startControllerWith(resync, nil)
}

// startControllerWith runs the controller in-process, with change applied to
// its configuration (if not nil), until the function it returns is called
// or the test ends.
func (h *harness) startControllerWith(resync time.Duration, change func(*controller.Config)) (stop func()) {
	h.t.Helper()
	token := h.controllerToken()
	cfg := controller.Config{
		Tether:     client.ClientConfig{URL: h.tether.URL, Token: token, ResponseTimeout: 5 * time.Second},
		Audience:   "tether",
		Kubeconfig: h.kubeconfig, ResyncInterval: resync, MaxConcurrentReconciles: 2, Selector: h.selector(),
		MetricsAddr: "0", HealthAddr: "0",
	}
	if change != nil {
		change(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h.logs = &syncBuffer{}
	logs := h.logs
	go func() { done <- controller.Run(ctx, cfg, logs) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("controller: %v", err)
			}
			if h.t.Failed() {
				h.t.Logf("controller log:\n%s", logs)
			}
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// controllerToken returns a token for the controller's ServiceAccount,
// which Tether's admin binds to the user role in Tether's default
// namespace.
func (h *harness) controllerToken() string {
	h.t.Helper()
	if h.ownToken == "" {
		h.bind(h.ns, "tether-controller", tether.RoleUser)
		h.ownToken = kubetest.Token(h.t, h.kubeconfig, h.ns, "tether-controller", "tether")
	}
	return h.ownToken
}

// bind gives ServiceAccount ns/sa role in Tether's default namespace and
// returns the binding's id.
func (h *harness) bind(ns, sa string, role tether.Role) string {
	h.t.Helper()
	b, err := h.admin.CreateRoleBinding(h.t.Context(), tether.RoleBinding{
		Namespace: tether.DefaultNamespace, Role: role, Subject: "serviceaccount:" + ns + ":" + sa})
	if err != nil {
		h.t.Fatalf("bind %s/%s: %v", ns, sa, err)
	}
	return b.ID
}

// createNamespace creates namespace name with labels.
func (h *harness) createNamespace(name string, labels map[string]string) {
	h.t.Helper()
	err := h.k.Create(h.t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		h.t.Fatal(err)
	}
}

// createServiceAccount creates ServiceAccount ns/name.
func (h *harness) createServiceAccount(ns, name string) {
	h.t.Helper()
	err := h.k.Create(h.t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		h.t.Fatal(err)
	}
}

// s3Connection creates an s3 connection id in Tether's default namespace
// with the given secret key and returns it.
func (h *harness) s3Connection(id, secretKey string) *tether.Connection {
	h.t.Helper()
	c, err := h.admin.Create(h.t.Context(), "", s3Spec(id, secretKey))
	if err != nil {
		h.t.Fatalf("create connection %s: %v", id, err)
	}
	return c
}

// s3Spec is an s3 connection with the given secret key.
func s3Spec(id, secretKey string) *tether.Connection {
	b64 := base64.StdEncoding.EncodeToString
	return &tether.Connection{ID: id, Spec: tether.ConnectionSpec{Type: "s3", URI: "s3://raw-data/input",
		Region: "eu-central-1", KeyID: tether.Secret(b64([]byte("AKIAEXAMPLE"))), KeySecret: tether.Secret(b64([]byte(secretKey)))}}
}

// rotate sets connection id's secret key.
func (h *harness) rotate(id, secretKey string) *tether.Connection {
	h.t.Helper()
	c, err := h.admin.Update(h.t.Context(), "", s3Spec(id, secretKey), tether.UpdateOptions{})
	if err != nil {
		h.t.Fatalf("update connection %s: %v", id, err)
	}
	return c
}

// testRunLabel labels the syncs of a test, and the test's controller
// serves only those (Config.Selector): the API server is shared with other
// tests, and packages, that create syncs of their own.
const testRunLabel = "tether.ml/test-run"

// selector selects the syncs of h's test.
func (h *harness) selector() string { return testRunLabel + "=" + h.ns }

// own labels obj as a sync of h's test.
func (h *harness) own(obj metav1.Object) {
	l := obj.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l[testRunLabel] = h.ns
	obj.SetLabels(l)
}

// createSync creates s in the test's namespace, labelled for the test's
// controller; at the end of the test it is deleted while the controller
// still runs, so that nothing is left.
func (h *harness) createSync(s *v1alpha1.ConnectionSync) {
	h.t.Helper()
	s.Namespace = h.ns
	h.own(s)
	if err := h.k.Create(h.t.Context(), s); err != nil {
		h.t.Fatalf("create ConnectionSync %s: %v", s.Name, err)
	}
	h.t.Cleanup(func() {
		h.deleteAndWait(&v1alpha1.ConnectionSync{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: s.Name}})
	})
}

// deleteAndWait deletes obj and waits until it is gone, stripping its
// finalizers if the controller does not release it in time.
func (h *harness) deleteAndWait(obj ctrlclient.Object) {
	ctx := context.Background()
	if err := h.k.Delete(ctx, obj); apierrors.IsNotFound(err) {
		return
	}
	key := ctrlclient.ObjectKeyFromObject(obj)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if err := h.k.Get(ctx, key, obj); apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	obj.SetFinalizers(nil)
	_ = h.k.Update(ctx, obj)
}

// secret returns Secret name of the test's namespace, or nil.
func (h *harness) secret(ns, name string) *corev1.Secret {
	h.t.Helper()
	s := &corev1.Secret{}
	err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: ns, Name: name}, s)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// sync returns ConnectionSync name of the test's namespace.
func (h *harness) sync(name string) *v1alpha1.ConnectionSync {
	h.t.Helper()
	s := &v1alpha1.ConnectionSync{}
	if err := h.k.Get(h.t.Context(), types.NamespacedName{Namespace: h.ns, Name: name}, s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// waitReason waits until ConnectionSync name's Ready condition has
// reason, and returns the sync.
func (h *harness) waitReason(name, reason string, timeout time.Duration) *v1alpha1.ConnectionSync {
	h.t.Helper()
	var s *v1alpha1.ConnectionSync
	waitFor(h.t, timeout, "ConnectionSync "+name+" to be "+reason, func() (bool, string) {
		s = h.sync(name)
		for _, c := range s.Status.Conditions {
			if c.Type == v1alpha1.ConditionReady {
				return c.Reason == reason, c.Reason + ": " + c.Message
			}
		}
		return false, "no Ready condition"
	})
	return s
}

// waitSecret waits until Secret ns/name holds AWS_SECRET_ACCESS_KEY key
// ("" waits until the Secret is gone), and returns it.
func (h *harness) waitSecret(ns, name, key string, timeout time.Duration) *corev1.Secret {
	h.t.Helper()
	var s *corev1.Secret
	waitFor(h.t, timeout, "Secret "+ns+"/"+name+" to hold "+key, func() (bool, string) {
		s = h.secret(ns, name)
		switch {
		case s == nil:
			return key == "", "no Secret"
		case key == "":
			return false, "the Secret is still there"
		}
		got := string(s.Data["AWS_SECRET_ACCESS_KEY"])
		return got == key, "it holds another key"
	})
	return s
}

// randomSuffix is 6 random hex digits.
func randomSuffix(t testing.TB) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
