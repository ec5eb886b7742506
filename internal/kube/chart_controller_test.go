package kube_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/controller"
)

// controllerValues turns the controller on.
const controllerValues = "controller: {enabled: true}\n"

// findNamed returns the rendered object of the kind and name, failing t if
// there is none, and converts it into into (a typed API object).
func findNamed(t *testing.T, objs []*unstructured.Unstructured, kind, name string, into any) {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
				t.Fatalf("convert %s %s: %v", kind, name, err)
			}
			return
		}
	}
	t.Fatalf("no %s %s rendered (kinds: %v)", kind, name, kinds(objs))
}

// controllerDeployment renders the chart with values and returns the
// controller's Deployment and its one container.
func controllerDeployment(t *testing.T, values string) (appsv1.Deployment, corev1.Container) {
	t.Helper()
	var d appsv1.Deployment
	findNamed(t, renderChart(t, "tether", values), "Deployment", "tether-controller", &d)
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%d containers, want 1", n)
	}
	return d, d.Spec.Template.Spec.Containers[0]
}

// envOf returns the container's plain variables.
func envOf(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// TestChartControllerOff checks that the default values render no object of
// the controller: it is opt-in.
func TestChartControllerOff(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	for _, o := range renderChart(t, "tether", "") {
		if strings.Contains(o.GetName(), "controller") || o.GetLabels()["app.kubernetes.io/component"] == "controller" {
			t.Errorf("default values render %s %s", o.GetKind(), o.GetName())
		}
	}
}

// TestChartControllerDeployment checks the controller's pod as the chart
// renders it: tether controller with leader election, the server's pod
// security, its probes and ports, its own ServiceAccount with a token for
// the API server, and Tether reached at the chart's Service with a
// projected token of the server's audience.
func TestChartControllerDeployment(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	d, c := controllerDeployment(t, controllerValues+"server: {k8sAudience: tether-prod}\n")
	pod := d.Spec.Template.Spec
	if *d.Spec.Replicas != 2 || pod.ServiceAccountName != "tether-controller" || !*pod.AutomountServiceAccountToken {
		t.Errorf("replicas %d, serviceAccountName %q, automount %v; want 2, tether-controller, true",
			*d.Spec.Replicas, pod.ServiceAccountName, *pod.AutomountServiceAccountToken)
	}
	checkPodSecurity(t, pod)
	wantArgs := []string{"controller", "--leader-elect", "--audience=tether-prod", "--resync-interval=10m",
		"--max-concurrent-reconciles=16", "--metrics-addr=:8080", "--health-addr=:8081"}
	if diff := cmp.Diff(wantArgs, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	env := envOf(c)
	if env[client.EnvURL] != "http://tether.tether.svc" || env[client.EnvTokenPath] != "/var/run/secrets/tether/token" {
		t.Errorf("env %v: want TETHER_URL the chart's Service and TETHER_TOKEN_PATH the projected token", env)
	}
	if _, ok := env[client.EnvCAFile]; ok {
		t.Errorf("TETHER_CA_FILE set for a plain-HTTP server")
	}
	checkPodNamespaceEnv(t, c)
	checkProjectedToken(t, pod, c, "tether-prod")
	checkControllerProbes(t, c)
	if len(pod.TopologySpreadConstraints) != 1 {
		t.Errorf("topologySpreadConstraints %+v: want the replicas spread over nodes", pod.TopologySpreadConstraints)
	}
	checkOwnSelector(t, d)
}

// checkPodNamespaceEnv checks POD_NAMESPACE, the namespace of the
// leader-election Lease, comes from the downward API.
func checkPodNamespaceEnv(t *testing.T, c corev1.Container) {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == "POD_NAMESPACE" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.namespace" {
			return
		}
	}
	t.Errorf("env %+v: no POD_NAMESPACE from metadata.namespace", c.Env)
}

// checkProjectedToken checks that TETHER_TOKEN_PATH is a file of a
// read-only projected ServiceAccount token of the audience, valid 1 h.
func checkProjectedToken(t *testing.T, pod corev1.PodSpec, c corev1.Container, audience string) {
	t.Helper()
	var mount *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if m.MountPath == "/var/run/secrets/tether" {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil || !mount.ReadOnly {
		t.Fatalf("mounts %+v: no read-only mount at /var/run/secrets/tether", c.VolumeMounts)
	}
	for _, v := range pod.Volumes {
		if v.Name != mount.Name {
			continue
		}
		if v.Projected == nil || len(v.Projected.Sources) != 1 || v.Projected.Sources[0].ServiceAccountToken == nil {
			t.Fatalf("volume %s = %+v, want one projected ServiceAccount token", v.Name, v.VolumeSource)
		}
		tok := v.Projected.Sources[0].ServiceAccountToken
		if tok.Audience != audience || *tok.ExpirationSeconds != 3600 || tok.Path != "token" {
			t.Errorf("projected token %+v: want audience %s, 3600 s, path token", tok, audience)
		}
		return
	}
	t.Errorf("no volume %s", mount.Name)
}

// checkControllerProbes checks the probes ask the --health-addr port for
// /healthz and /readyz, and the metrics port is --metrics-addr's.
func checkControllerProbes(t *testing.T, c corev1.Container) {
	t.Helper()
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["metrics"] != 8080 || ports["health"] != 8081 {
		t.Errorf("ports %v, want metrics 8080 and health 8081", ports)
	}
	for _, p := range []struct {
		probe *corev1.Probe
		path  string
	}{{c.LivenessProbe, "/healthz"}, {c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "health" {
			t.Errorf("probe %+v: want GET %s on port health", p.probe, p.path)
		}
	}
}

// checkOwnSelector checks the controller's pods carry a name of their own:
// the server's Service and Deployment (which select name and instance)
// must not select them.
func checkOwnSelector(t *testing.T, d appsv1.Deployment) {
	t.Helper()
	var server appsv1.Deployment
	findNamed(t, renderChart(t, "tether", controllerValues), "Deployment", "tether", &server)
	podLabels := d.Spec.Template.Labels
	selects := true
	for k, v := range server.Spec.Selector.MatchLabels {
		selects = selects && podLabels[k] == v
	}
	if selects {
		t.Errorf("the server's selector %v selects the controller's pods (labels %v)", server.Spec.Selector.MatchLabels, podLabels)
	}
}

// TestChartControllerFlagsParse parses the arguments the chart renders with
// the flags of the real `tether controller`, for every option that adds
// one: a flag the command does not have would crash-loop the pod.
func TestChartControllerFlagsParse(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	values := `controller:
  enabled: true
  resyncInterval: 90s
  webhook: {enabled: true}
  notebookAccess: {enabled: true, url: 'https://tether.example.com'}
`
	_, c := controllerDeployment(t, values)
	cmd := controller.Command(cli.Env{Getenv: func(string) string { return "" }})
	if c.Args[0] != cmd.Name() {
		t.Fatalf("args %q: want the %s command first", c.Args, cmd.Name())
	}
	if err := cmd.ParseFlags(c.Args[1:]); err != nil {
		t.Fatalf("tether controller refuses the chart's arguments %q: %v", c.Args, err)
	}
	for flag, want := range map[string]string{
		"leader-elect": "true", "resync-interval": "1m30s", "webhook": "true", "webhook-port": "9443",
		"webhook-cert-dir": "/var/run/tether/webhook-certs", "notebook-url": "https://tether.example.com",
		"metrics-addr": ":8080", "health-addr": ":8081",
	} {
		if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("--%s = %q, want %q", flag, got, want)
		}
	}
}

// TestChartControllerOptions checks what each option changes in the
// controller's pod: the webhook's port and certificate, notebook access at
// the chart's Service by default, another Tether with its CA file, and the
// PodDisruptionBudget only with several replicas.
func TestChartControllerOptions(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	tests := []struct {
		name, values string
		wantArgs     []string // among the args
		wantEnv      map[string]string
		wantMounts   []string
		wantPDB      bool
	}{
		{"one replica", "controller: {enabled: true, replicas: 1}\n", nil,
			map[string]string{client.EnvURL: "http://tether.tether.svc"}, nil, false},
		{"webhook", "controller: {enabled: true, webhook: {enabled: true}}\n",
			[]string{"--webhook", "--webhook-port=9443", "--webhook-cert-dir=/var/run/tether/webhook-certs"},
			nil, []string{"/var/run/tether/webhook-certs"}, true},
		{"notebook access at the chart's Service", "controller: {enabled: true, notebookAccess: {enabled: true}}\nservice: {port: 8080}\n",
			[]string{"--notebook-url=http://tether.tether.svc:8080"},
			map[string]string{client.EnvURL: "http://tether.tether.svc:8080"}, nil, true},
		{"another Tether with a private CA",
			"controller: {enabled: true, tether: {url: 'https://tether.example.com', caSecret: {name: corp-ca}}}\n", nil,
			map[string]string{client.EnvURL: "https://tether.example.com", client.EnvCAFile: "/etc/tether/ca/ca.crt"},
			[]string{"/etc/tether/ca"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objs := renderChart(t, "tether", tt.values)
			var d appsv1.Deployment
			findNamed(t, objs, "Deployment", "tether-controller", &d)
			c := d.Spec.Template.Spec.Containers[0]
			for _, a := range tt.wantArgs {
				if !slices.Contains(c.Args, a) {
					t.Errorf("args %q lack %q", c.Args, a)
				}
			}
			env := envOf(c)
			for k, v := range tt.wantEnv {
				if env[k] != v {
					t.Errorf("%s=%q, want %q", k, env[k], v)
				}
			}
			checkReadOnlyMounts(t, c, tt.wantMounts)
			var pdb *policyv1.PodDisruptionBudget
			for _, o := range objs {
				if o.GetKind() == "PodDisruptionBudget" && o.GetName() == "tether-controller" {
					pdb = &policyv1.PodDisruptionBudget{}
					findNamed(t, objs, "PodDisruptionBudget", "tether-controller", pdb)
				}
			}
			switch {
			case (pdb != nil) != tt.wantPDB:
				t.Errorf("controller PodDisruptionBudget %v, want one: %v", pdb, tt.wantPDB)
			case pdb != nil && !cmp.Equal(d.Spec.Selector, pdb.Spec.Selector):
				t.Errorf("PodDisruptionBudget selects %v, the Deployment %v", pdb.Spec.Selector, d.Spec.Selector)
			}
		})
	}
}

// checkReadOnlyMounts checks that each path is mounted read-only.
func checkReadOnlyMounts(t *testing.T, c corev1.Container, paths []string) {
	t.Helper()
	for _, p := range paths {
		i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == p })
		if i < 0 || !c.VolumeMounts[i].ReadOnly {
			t.Errorf("mounts %+v: want %s read-only", c.VolumeMounts, p)
		}
	}
}

// TestChartControllerValuesSchema runs helm lint and helm template for the
// controller's values: good ones pass, and a typo, a wrong type or a value
// out of range fails both, naming it.
func TestChartControllerValuesSchema(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	tests := []struct {
		name, values string
		wantErr      string // "" for success; else a part of helm's message
	}{
		{"enabled", controllerValues, ""},
		{"everything", `controller:
  enabled: true
  replicas: 3
  resyncInterval: 1h30m
  maxConcurrentReconciles: 8
  tether: {url: 'https://tether.example.com', caSecret: {name: ca, key: root.pem}}
  serviceAccount: {name: syncer, annotations: {a: b}}
  webhook: {enabled: true, failurePolicy: Ignore, certManager: {enabled: true}}
  notebookAccess: {enabled: true, url: 'http://tether.tether.svc'}
  extraArgs: [--max-concurrent-reconciles=2]
serviceMonitor: {enabled: true}
`, ""},
		{"unknown key", "controller: {enabeld: true}\n", "enabeld"},
		{"unknown webhook key", "controller: {webhook: {failurepolicy: Fail}}\n", "failurepolicy"},
		{"replicas zero", "controller: {replicas: 0}\n", "replicas"},
		{"replicas not a number", "controller: {replicas: two}\n", "replicas"},
		{"bad failure policy", "controller: {webhook: {failurePolicy: Retry}}\n", "failurePolicy"},
		{"bad resync interval", "controller: {resyncInterval: 10 minutes}\n", "resyncInterval"},
		{"bad Tether URL", "controller: {tether: {url: 'tether.example.com'}}\n", "url"},
		{"bad notebook URL", "controller: {notebookAccess: {url: 'ftp://x'}}\n", "url"},
		{"enabled not a boolean", "controller: {enabled: 'yes'}\n", "enabled"},
		{"webhook without the controller", "controller: {webhook: {enabled: true}}\n", "webhook"},
		{"notebook access without the controller", "controller: {notebookAccess: {enabled: true}}\n", "notebookAccess"},
		{"empty CA key", "controller: {tether: {caSecret: {name: ca, key: ''}}}\n", "key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := valuesFile(t, tt.values)
			for _, args := range [][]string{
				{"lint", "--strict", chartDir, "-f", f},
				{"template", "tether", chartDir, "-f", f},
			} {
				_, err := helm(t, args...)
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("helm %s: %v", args[0], err)
				case tt.wantErr != "" && err == nil:
					t.Errorf("helm %s passed; want it to fail naming %q", args[0], tt.wantErr)
				case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
					t.Errorf("helm %s failed with %v; want a message naming %q", args[0], err, tt.wantErr)
				}
			}
		})
	}
}

// TestChartControllerServiceMonitor checks the controller's metrics: a
// Service on its metrics port, scraped by a ServiceMonitor of its own when
// serviceMonitor.enabled, and by none otherwise.
func TestChartControllerServiceMonitor(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	for _, o := range renderChart(t, "tether", controllerValues) {
		if o.GetKind() == "ServiceMonitor" {
			t.Errorf("ServiceMonitor %s rendered although serviceMonitor.enabled is false", o.GetName())
		}
	}
	objs := renderChart(t, "tether", controllerValues+"serviceMonitor: {enabled: true, labels: {release: prom}}\n")
	var svc corev1.Service
	findNamed(t, objs, "Service", "tether-controller-metrics", &svc)
	var d appsv1.Deployment
	findNamed(t, objs, "Deployment", "tether-controller", &d)
	if !cmp.Equal(svc.Spec.Selector, d.Spec.Selector.MatchLabels) || len(svc.Spec.Ports) != 1 ||
		svc.Spec.Ports[0].Name != "metrics" || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("metrics Service %+v: want port metrics to the controller's pods", svc.Spec)
	}
	var sm unstructured.Unstructured
	findNamed(t, objs, "ServiceMonitor", "tether-controller", &sm.Object)
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	want := []any{map[string]any{"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}}
	if !cmp.Equal(sel, svc.Spec.Selector) || sm.GetLabels()["release"] != "prom" || !cmp.Equal(want, eps) {
		t.Errorf("ServiceMonitor selector %v labels %v endpoints %v: want the metrics Service's pods, release=prom, %v",
			sel, sm.GetLabels(), eps, want)
	}
}

// TestChartControllerNetworkPolicy checks that a NetworkPolicy narrowed to
// some peers still lets the chart's controller reach the API: without it,
// the controller would fail every sync with TetherUnavailable.
func TestChartControllerNetworkPolicy(t *testing.T) {
	helmBinary(t)
	t.Parallel()
	const narrowed = "networkPolicy: {enabled: true, from: [{namespaceSelector: {matchLabels: {team: ml}}}]}\n"
	controllerPeer := func(values string) bool {
		var np networkingv1.NetworkPolicy
		findNamed(t, renderChart(t, "tether", values), "NetworkPolicy", "tether", &np)
		for _, peer := range np.Spec.Ingress[0].From {
			if peer.PodSelector != nil && peer.NamespaceSelector == nil &&
				peer.PodSelector.MatchLabels["app.kubernetes.io/name"] == "tether-controller" {
				return true
			}
		}
		return false
	}
	if !controllerPeer(narrowed + controllerValues) {
		t.Error("with the controller on, the NetworkPolicy does not let its pods reach the API")
	}
	if controllerPeer(narrowed) {
		t.Error("with the controller off, the NetworkPolicy names its pods")
	}
}
