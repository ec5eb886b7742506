package kube_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
)

// applyAll applies every object with server-side apply, as `helm install
// --server-side` and `kubectl apply --server-side` do, failing t on any
// object the API server refuses. Cluster-scoped objects are applied for
// real too: their names carry the namespace, so cases do not collide.
func (c *cluster) applyAll(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(c.admin)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn := dynamic.NewForConfigOrDie(c.admin)
	force := true
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("%s %s: the API server does not serve it: %v", gvk, o.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			if o.GetNamespace() != c.ns {
				t.Errorf("%s %s: namespace %q, want the release's %q", gvk.Kind, o.GetName(), o.GetNamespace(), c.ns)
			}
			ri = dyn.Resource(m.Resource).Namespace(o.GetNamespace())
		}
		body, err := json.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ri.Patch(t.Context(), o.GetName(), types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "tether-chart-test", Force: &force})
		if err != nil {
			t.Errorf("server-side apply of %s %s refused: %v", gvk.Kind, o.GetName(), err)
		}
	}
}

// installServiceMonitorCRD installs a minimal ServiceMonitor CRD
// (monitoring.coreos.com/v1, any spec) unless it is there, and waits until
// it is served: the test API server has no Prometheus Operator.
func (c *cluster) installServiceMonitorCRD(t *testing.T) {
	t.Helper()
	cs := apiextclient.NewForConfigOrDie(c.admin)
	preserve := true
	crd := &apiextv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "servicemonitors.monitoring.coreos.com"},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: "monitoring.coreos.com", Scope: apiextv1.NamespaceScoped,
			Names: apiextv1.CustomResourceDefinitionNames{Plural: "servicemonitors", Singular: "servicemonitor",
				Kind: "ServiceMonitor", ListKind: "ServiceMonitorList"},
			Versions: []apiextv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: &preserve}}}},
		},
	}
	_, err := cs.ApiextensionsV1().CustomResourceDefinitions().Create(t.Context(), crd, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("install the ServiceMonitor CRD: %v", err)
	}
	eventually(t, 30*time.Second, func() bool {
		got, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(t.Context(), crd.Name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue {
				return true
			}
		}
		return false
	})
}

// TestChartAppliesToCluster renders the chart for several value sets, each
// in a fresh namespace, and applies every object to the real API server
// with server-side apply: all must be accepted. It then reads the
// Deployment back, as the API server stored it.
func TestChartAppliesToCluster(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	tests := []struct {
		name, values string
		wantKinds    []string
	}{
		{"defaults (sqlite)", "", []string{"ClusterRoleBinding", "Deployment", "PersistentVolumeClaim",
			"Secret", "Service", "ServiceAccount"}},
		{"postgres with 3 replicas PDB NetworkPolicy and Ingress", postgresValues, []string{"ClusterRoleBinding",
			"Deployment", "Ingress", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount"}},
		{"existing secrets", existingSecretsValues, []string{"ClusterRoleBinding", "Deployment",
			"PersistentVolumeClaim", "Service", "ServiceAccount"}},
		{"service monitor", "serviceMonitor: {enabled: true}\n", []string{"ClusterRoleBinding", "Deployment",
			"PersistentVolumeClaim", "Secret", "Service", "ServiceAccount", "ServiceMonitor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			objs := renderChart(t, c.ns, tt.values)
			got := kinds(objs)
			slices.Sort(got)
			if !slices.Equal(got, tt.wantKinds) {
				t.Errorf("rendered kinds %v, want %v", got, tt.wantKinds)
			}
			if slices.Contains(got, "ServiceMonitor") {
				c.installServiceMonitorCRD(t)
			}
			c.applyAll(t, objs)
			d, err := c.cs.AppsV1().Deployments(c.ns).Get(t.Context(), "tether", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get the applied Deployment: %v", err)
			}
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Secret != nil && *v.Secret.DefaultMode != 0o400 {
					t.Errorf("stored volume %s has mode %#o, want 0400", v.Name, *v.Secret.DefaultMode)
				}
			}
			if sc := d.Spec.Template.Spec.Containers[0].SecurityContext; sc == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("stored container securityContext %+v: want a read-only root file system", sc)
			}
			checkStrategy(t, d, tt.values == postgresValues)
		})
	}
}

// checkStrategy checks the stored rollout strategy: Recreate for SQLite (one
// writer), a rolling update that keeps every replica for PostgreSQL.
func checkStrategy(t *testing.T, d *appsv1.Deployment, postgres bool) {
	t.Helper()
	want := appsv1.RecreateDeploymentStrategyType
	if postgres {
		want = appsv1.RollingUpdateDeploymentStrategyType
	}
	if d.Spec.Strategy.Type != want {
		t.Errorf("stored strategy %s, want %s", d.Spec.Strategy.Type, want)
	}
}

// TestChartServiceAccountReviewsTokensOnly installs the chart and takes a
// token of the server's ServiceAccount (TokenRequest, the API server's
// audience): with it, TokenReview works, thanks to the chart's binding
// (another ServiceAccount without it is refused), and nothing else does:
// its rules are the reviews alone, and it can neither read Secrets nor
// list Pods.
func TestChartServiceAccountReviewsTokensOnly(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	c := newCluster(t)
	c.applyAll(t, renderChart(t, c.ns, ""))
	workload := c.token(t, c.serviceAccount(t, "workload").Name, []string{"tether"}, nil)
	review := func(cs kubernetes.Interface) (*authnv1.TokenReview, error) {
		tr := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: workload, Audiences: []string{"tether"}}}
		return cs.AuthenticationV1().TokenReviews().Create(t.Context(), tr, metav1.CreateOptions{})
	}
	c.serviceAccount(t, "unbound")
	if _, err := review(kubernetes.NewForConfigOrDie(c.configFor(t, "unbound"))); !apierrors.IsForbidden(err) {
		t.Fatalf("TokenReview by a ServiceAccount without the binding: %v, want forbidden", err)
	}
	server := kubernetes.NewForConfigOrDie(c.configFor(t, "tether"))
	var res *authnv1.TokenReview
	eventually(t, 10*time.Second, func() bool { // RBAC's cache follows new bindings
		var err error
		res, err = review(server)
		return err == nil
	})
	if want := "system:serviceaccount:" + c.ns + ":workload"; !res.Status.Authenticated || res.Status.User.Username != want {
		t.Errorf("TokenReview status %+v, want %s authenticated", res.Status, want)
	}
	c.checkOnlyReviewRules(t, server)
	if _, err := server.CoreV1().Secrets(c.ns).Get(t.Context(), "tether-secrets", metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("get secret with the server's token: %v, want forbidden", err)
	}
	if _, err := server.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list pods with the server's token: %v, want forbidden", err)
	}
	c.checkAccess(t, "tether")
}

// reviewRules are the only rules the server's ServiceAccount may hold: the
// reviews of system:auth-delegator, and the self reviews every
// authenticated user has (system:basic-user).
var reviewRules = map[string]bool{
	"authentication.k8s.io/tokenreviews":            true,
	"authorization.k8s.io/subjectaccessreviews":     true,
	"authentication.k8s.io/selfsubjectreviews":      true,
	"authorization.k8s.io/selfsubjectaccessreviews": true,
	"authorization.k8s.io/selfsubjectrulesreviews":  true,
}

// checkOnlyReviewRules asks, with the server's own token, for its rules in
// the namespace (SelfSubjectRulesReview): each must be a create of a
// review, and TokenReview must be among them.
func (c *cluster) checkOnlyReviewRules(t *testing.T, server kubernetes.Interface) {
	t.Helper()
	ssrr := &authzv1.SelfSubjectRulesReview{Spec: authzv1.SelfSubjectRulesReviewSpec{Namespace: c.ns}}
	res, err := server.AuthorizationV1().SelfSubjectRulesReviews().Create(t.Context(), ssrr, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SelfSubjectRulesReview: %v", err)
	}
	tokenReview := false
	for _, r := range res.Status.ResourceRules {
		for _, g := range r.APIGroups {
			for _, rsc := range r.Resources {
				if !reviewRules[g+"/"+rsc] || !slices.Equal(r.Verbs, []string{"create"}) || len(r.ResourceNames) > 0 {
					t.Errorf("the server's ServiceAccount may %v %s/%s %v: more than reviews", r.Verbs, g, rsc, r.ResourceNames)
				}
				tokenReview = tokenReview || g+"/"+rsc == "authentication.k8s.io/tokenreviews"
			}
		}
	}
	if !tokenReview {
		t.Errorf("rules %+v: no create on tokenreviews", res.Status.ResourceRules)
	}
}

// checkAccess asks the API server, as its admin (SubjectAccessReview, the
// question impersonation would ask), what ServiceAccount sa may do.
func (c *cluster) checkAccess(t *testing.T, sa string) {
	t.Helper()
	user := "system:serviceaccount:" + c.ns + ":" + sa
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + c.ns, "system:authenticated"}
	tests := []struct {
		verb, group, resource, ns string
		want                      bool
	}{
		{"create", "authentication.k8s.io", "tokenreviews", "", true},
		{"create", "authorization.k8s.io", "subjectaccessreviews", "", true},
		{"get", "", "secrets", c.ns, false},
		{"list", "", "secrets", "", false},
		{"list", "", "pods", c.ns, false},
		{"create", "", "pods", c.ns, false},
		{"create", "", "serviceaccounts/token", c.ns, false},
		{"impersonate", "", "users", "", false},
		{"update", "apps", "deployments", c.ns, false},
		{"get", "", "configmaps", c.ns, false},
	}
	for _, tt := range tests {
		resource, sub, _ := strings.Cut(tt.resource, "/")
		sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: user, Groups: groups,
			ResourceAttributes: &authzv1.ResourceAttributes{Verb: tt.verb, Group: tt.group, Resource: resource,
				Subresource: sub, Namespace: tt.ns}}}
		res, err := c.cs.AuthorizationV1().SubjectAccessReviews().Create(t.Context(), sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("SubjectAccessReview: %v", err)
		}
		if res.Status.Allowed != tt.want {
			t.Errorf("%s may %s %s/%s in %q: %v, want %v", user, tt.verb, tt.group, tt.resource, tt.ns, res.Status.Allowed, tt.want)
		}
	}
}
