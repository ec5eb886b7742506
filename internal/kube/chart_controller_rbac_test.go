package kube_test

import (
	"slices"
	"strings"
	"testing"

	authzv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tether-ml/tether/internal/kube/kubetest"
)

// grant is what the controller may do: verbs on resources of a group
// (resource/subresource), in namespace ns ("" cluster-wide, which covers
// every namespace), on the object named name if not "".
type grant struct {
	group     string
	resources []string
	verbs     []string
	ns, name  string
}

// allVerbs are the verbs checked for every resource: each one not granted
// must be refused.
var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// controllerGrants are the permissions the controller needs, and all it
// gets; ns is the release namespace (the leader-election Lease's).
func controllerGrants(ns string) []grant {
	const rw = "get list watch create update patch delete"
	return []grant{
		{"tether.ml", []string{"connectionsyncs", "clusterconnectionsyncs"}, strings.Fields("get list watch update"), "", ""},
		{"tether.ml", []string{"connectionsyncs/status", "clusterconnectionsyncs/status"}, strings.Fields("get update patch"), "", ""},
		{"tether.ml", []string{"connectionsyncs/finalizers", "clusterconnectionsyncs/finalizers"}, []string{"update"}, "", ""},
		{"", []string{"secrets"}, strings.Fields(rw), "", ""},
		{"kubeflow.org", []string{"poddefaults"}, strings.Fields(rw), "", ""},
		{"", []string{"serviceaccounts/token"}, []string{"create"}, "", ""},
		{"", []string{"namespaces"}, strings.Fields("get list watch"), "", ""},
		{"", []string{"events"}, strings.Fields("create patch"), "", ""},
		{"events.k8s.io", []string{"events"}, strings.Fields("create patch"), "", ""},
		{"apps", []string{"deployments", "statefulsets", "daemonsets"}, strings.Fields("get list watch patch"), "", ""},
		{"coordination.k8s.io", []string{"leases"}, []string{"create"}, ns, ""},
		{"coordination.k8s.io", []string{"leases"}, strings.Fields("get list watch update patch delete"), ns, "tether-controller"},
	}
}

// accessCase is one question to the authorizer and its expected answer.
type accessCase struct {
	verb, group, resource, ns, name string
	want                            bool
}

// covers reports whether grant g allows case a.
func (g grant) covers(a accessCase) bool {
	return g.group == a.group && slices.Contains(g.resources, a.resource) && slices.Contains(g.verbs, a.verb) &&
		(g.ns == "" || g.ns == a.ns) && (g.name == "" || g.name == a.name)
}

// controllerAccessCases turns the grants into cases: every verb of
// allVerbs on each granted resource, in a team namespace, across the
// cluster, and in the grant's own namespace and name, allowed if a grant
// covers it; then what no grant covers, refused.
func controllerAccessCases(ns string) []accessCase {
	grants := controllerGrants(ns)
	var cases []accessCase
	for _, g := range grants {
		for _, r := range g.resources {
			for _, v := range allVerbs {
				places := [][2]string{{"team-a", g.name}, {"", g.name}}
				if g.ns != "" {
					places = append(places, [2]string{g.ns, g.name})
				}
				for _, where := range places {
					a := accessCase{v, g.group, r, where[0], where[1], false}
					a.want = slices.ContainsFunc(grants, func(g grant) bool { return g.covers(a) })
					cases = append(cases, a)
				}
			}
		}
	}
	return append(cases,
		accessCase{"update", "coordination.k8s.io", "leases", ns, "another-lease", false},
		accessCase{"list", "", "pods", "team-a", "", false},
		accessCase{"create", "", "pods", "team-a", "", false},
		accessCase{"get", "", "serviceaccounts", "team-a", "", false},
		accessCase{"create", "", "serviceaccounts", "team-a", "", false},
		accessCase{"get", "", "configmaps", "team-a", "", false},
		accessCase{"update", "apps", "deployments", "team-a", "", false},
		accessCase{"create", "rbac.authorization.k8s.io", "rolebindings", "team-a", "", false},
		accessCase{"create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", false},
		accessCase{"escalate", "rbac.authorization.k8s.io", "clusterroles", "", "", false},
		accessCase{"bind", "rbac.authorization.k8s.io", "clusterroles", "", "", false},
		accessCase{"impersonate", "", "users", "", "", false},
		accessCase{"impersonate", "", "serviceaccounts", "team-a", "", false},
		accessCase{"create", "authentication.k8s.io", "tokenreviews", "", "", false},
		accessCase{"create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "", false},
		accessCase{"create", "apiextensions.k8s.io", "customresourcedefinitions", "", "", false},
		accessCase{"list", "", "nodes", "", "", false},
	)
}

// TestChartControllerRBAC installs the chart's controller ServiceAccount and
// RBAC (kubetest.ChartControllerKubeconfig, as the controller's own tests
// run it) and asks the real API server (SubjectAccessReview) what the
// ServiceAccount may do: exactly the verbs the controller needs, every
// other verb on those resources refused, and nothing beyond them: no Pods,
// no RBAC, no impersonation. Secrets are granted across the cluster, since
// a ConnectionSync may name any namespace and a ClusterConnectionSync
// selects namespaces as they appear. Its kubeconfig then works as
// granted: the leader-election Lease can be created, Pods cannot be read.
func TestChartControllerRBAC(t *testing.T) {
	c := newCluster(t)
	kubeconfig := kubetest.ChartControllerKubeconfig(t, c.kubeconfig, c.ns)
	admin := rest.CopyConfig(c.admin)
	admin.QPS, admin.Burst = 500, 500 // hundreds of reviews
	reviews := kubernetes.NewForConfigOrDie(admin).AuthorizationV1().SubjectAccessReviews()
	user := "system:serviceaccount:" + c.ns + ":" + kubetest.ChartControllerServiceAccount
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + c.ns, "system:authenticated"}
	for _, tt := range controllerAccessCases(c.ns) {
		resource, sub, _ := strings.Cut(tt.resource, "/")
		sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: user, Groups: groups,
			ResourceAttributes: &authzv1.ResourceAttributes{Verb: tt.verb, Group: tt.group, Resource: resource,
				Subresource: sub, Namespace: tt.ns, Name: tt.name}}}
		res, err := reviews.Create(t.Context(), sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("SubjectAccessReview: %v", err)
		}
		if res.Status.Allowed != tt.want {
			t.Errorf("the controller may %s %s/%s %q in %q: %v, want %v", tt.verb, tt.group, tt.resource, tt.name, tt.ns, res.Status.Allowed, tt.want)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "tether-controller"}}
	if _, err := cs.CoordinationV1().Leases(c.ns).Create(t.Context(), lease, metav1.CreateOptions{}); err != nil {
		t.Errorf("create the leader-election Lease with the controller's kubeconfig: %v", err)
	}
	if _, err := cs.CoreV1().Pods(c.ns).List(t.Context(), metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list pods with the controller's kubeconfig: %v, want forbidden", err)
	}
	for _, ns := range []string{c.ns, "team-a"} {
		checkOnlyGrantedRules(t, cs, ns, controllerGrants(c.ns))
	}
}

// checkOnlyGrantedRules asks, with the controller's own token, for all its
// rules in namespace ns (SelfSubjectRulesReview): each verb on each
// resource must be one a grant covers, or a self review every
// authenticated user may create; no wildcard anywhere.
func checkOnlyGrantedRules(t *testing.T, cs kubernetes.Interface, ns string, grants []grant) {
	t.Helper()
	ssrr := &authzv1.SelfSubjectRulesReview{Spec: authzv1.SelfSubjectRulesReviewSpec{Namespace: ns}}
	res, err := cs.AuthorizationV1().SelfSubjectRulesReviews().Create(t.Context(), ssrr, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SelfSubjectRulesReview: %v", err)
	}
	for _, r := range res.Status.ResourceRules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, rsc := range r.Resources {
				for _, v := range r.Verbs {
					for _, name := range names {
						a := accessCase{v, g, rsc, ns, name, true}
						if !slices.ContainsFunc(grants, func(g grant) bool { return g.covers(a) }) &&
							!(reviewRules[g+"/"+rsc] && v == "create") {
							t.Errorf("in %s the controller may %s %s/%s %q: no grant covers it", ns, v, g, rsc, name)
						}
					}
				}
			}
		}
	}
}
