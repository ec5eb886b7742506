package kubetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ChartControllerServiceAccount is the name of the controller's
// ServiceAccount in release "tether" of the chart.
const ChartControllerServiceAccount = "tether-controller"

// chartControllerTemplates are the chart's templates that give the
// controller its identity and its permissions.
var chartControllerTemplates = []string{
	"templates/controller-serviceaccount.yaml",
	"templates/controller-rbac.yaml",
}

// ChartControllerKubeconfig installs in namespace ns of the test API server
// (kubeconfig, its admin) the Helm chart's controller ServiceAccount and
// RBAC, exactly as release "tether" of charts/tether renders them, waits
// until RBAC grants them, and returns the path of a kubeconfig that
// authenticates as that ServiceAccount with a one-hour token
// (TokenRequest): a controller run with it has the chart's permissions and
// no more. It needs the helm CLI (TETHER_TEST_HELM) and skips t without it.
// The cluster-scoped ClusterRole and binding are removed when t ends.
func ChartControllerKubeconfig(t testing.TB, kubeconfig, ns string) string {
	t.Helper()
	admin, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", kubeconfig, err)
	}
	cs := kubernetes.NewForConfigOrDie(admin)
	_, err = cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	objs := renderChartTemplates(t, ns, "controller.enabled=true", chartControllerTemplates...)
	ApplyObjects(t, admin, objs)
	t.Cleanup(func() { deleteClusterScoped(admin, objs) })
	expiry := int64(3600)
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: &expiry}}
	res, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(t.Context(), ChartControllerServiceAccount, req, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("request a token for %s/%s: %v", ns, ChartControllerServiceAccount, err)
	}
	sa := rest.AnonymousClientConfig(admin)
	sa.BearerToken = res.Status.Token
	waitForRBAC(t, sa, ns)
	return writeKubeconfig(t, sa)
}

// chartDir returns the chart's directory, from this file's.
func chartDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information to find charts/tether")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "charts", "tether")
}

// renderChartTemplates runs helm template for release "tether" in ns with
// the --set values, showing only the templates, and decodes the objects.
func renderChartTemplates(t testing.TB, ns, set string, templates ...string) []*unstructured.Unstructured {
	t.Helper()
	helm := os.Getenv("TETHER_TEST_HELM")
	if helm == "" {
		t.Skip("TETHER_TEST_HELM is not set: the chart's RBAC needs the helm CLI; run ./scripts/test.sh, " +
			"or export TETHER_TEST_HELM=$(./scripts/testenv/helm.sh install)")
	}
	args := []string{"template", "tether", chartDir(t), "--namespace", ns, "--set", set}
	for _, tpl := range templates {
		args = append(args, "--show-only", tpl)
	}
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), helm, args...)
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home,
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template: %v: %s", err, stderr.String())
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return objs
		} else if err != nil {
			t.Fatalf("decode what helm rendered: %v", err)
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

// ApplyObjects applies every object to the API server of admin with
// server-side apply, as `helm install --server-side` does, failing t on
// any the API server refuses.
func ApplyObjects(t testing.TB, admin *rest.Config, objs []*unstructured.Unstructured) {
	t.Helper()
	mapper, dyn := mapperFor(t, admin)
	force := true
	for _, o := range objs {
		ri := resourceFor(t, mapper, dyn, o)
		body, err := json.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ri.Patch(t.Context(), o.GetName(), types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "tether-test", Force: &force})
		if err != nil {
			t.Fatalf("server-side apply of %s %s refused: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

// mapperFor returns a REST mapper from the API server's discovery, and a
// dynamic client.
func mapperFor(t testing.TB, admin *rest.Config) (meta.RESTMapper, dynamic.Interface) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	return restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), dynamic.NewForConfigOrDie(admin)
}

// resourceFor returns the dynamic client of o's resource (in o's
// namespace if it is namespaced).
func resourceFor(t testing.TB, mapper meta.RESTMapper, dyn dynamic.Interface, o *unstructured.Unstructured) dynamic.ResourceInterface {
	t.Helper()
	gvk := o.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Fatalf("%s %s: the API server does not serve it: %v", gvk, o.GetName(), err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return dyn.Resource(m.Resource).Namespace(o.GetNamespace())
	}
	return dyn.Resource(m.Resource)
}

// deleteClusterScoped deletes the cluster-scoped objects among objs (the
// namespaced ones go with their test namespace).
func deleteClusterScoped(admin *rest.Config, objs []*unstructured.Unstructured) {
	dc, err := discovery.NewDiscoveryClientForConfig(admin)
	if err != nil {
		return
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn := dynamic.NewForConfigOrDie(admin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err == nil && m.Scope.Name() == meta.RESTScopeNameRoot {
			_ = dyn.Resource(m.Resource).Delete(ctx, o.GetName(), metav1.DeleteOptions{})
		}
	}
}

// waitForRBAC waits until the API server's RBAC cache lets sa request
// tokens in ns, which the chart grants it.
func waitForRBAC(t testing.TB, sa *rest.Config, ns string) {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(sa)
	review := &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authzv1.ResourceAttributes{Namespace: ns, Verb: "create", Resource: "serviceaccounts", Subresource: "token"}}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(t.Context(), review, metav1.CreateOptions{})
		if err == nil && res.Status.Allowed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the chart's RBAC does not let %s request tokens after 30 s: %v", ChartControllerServiceAccount, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeKubeconfig writes a kubeconfig of cfg (server, CA, bearer token) to
// a file of t's own, readable by its owner only, and returns its path.
func writeKubeconfig(t testing.TB, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthority: cfg.CAFile,
		CertificateAuthorityData: cfg.CAData, TLSServerName: cfg.ServerName, InsecureSkipTLSVerify: cfg.Insecure}
	kc.AuthInfos["controller"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["controller"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "controller"}
	kc.CurrentContext = "controller"
	p := filepath.Join(t.TempDir(), "controller.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		t.Fatalf("write the controller's kubeconfig: %v", err)
	}
	return p
}
