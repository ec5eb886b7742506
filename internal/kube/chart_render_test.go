package kube_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tether-ml/tether/internal/seal"
)

// TestChartDeploymentHardening checks the server's pod as the chart renders
// it: non-root with a read-only root file system and nothing to escalate
// to, the probes on the health port the server serves, the key file and the
// admin token mounted 0400 from Secrets and named by the flags, and the
// PostgreSQL URL only in a variable from a Secret.
func TestChartDeploymentHardening(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	tests := []struct {
		name, values         string
		wantReplicas         int32
		wantStrategy         appsv1.DeploymentStrategyType
		keySecret, keyItem   string
		tokenSecret, tokItem string
	}{
		{"sqlite", "", 1, appsv1.RecreateDeploymentStrategyType,
			"tether-secrets", "tether.key", "tether-secrets", "admin.token"},
		{"postgres", postgresValues, 3, appsv1.RollingUpdateDeploymentStrategyType,
			"tether-secrets", "tether.key", "tether-secrets", "admin.token"},
		{"existing secrets", existingSecretsValues, 1, appsv1.RecreateDeploymentStrategyType,
			"my-tether-key", "key.json", "my-tether-admin", "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d appsv1.Deployment
			findObject(t, renderChart(t, "tether", tt.values), "Deployment", &d)
			if *d.Spec.Replicas != tt.wantReplicas || d.Spec.Strategy.Type != tt.wantStrategy {
				t.Errorf("replicas %d, strategy %s; want %d, %s", *d.Spec.Replicas, d.Spec.Strategy.Type, tt.wantReplicas, tt.wantStrategy)
			}
			pod := d.Spec.Template.Spec
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			checkPodSecurity(t, pod)
			checkProbes(t, pod.Containers[0])
			checkSecretFile(t, pod, "--key-file=", tt.keySecret, tt.keyItem)
			checkSecretFile(t, pod, "--admin-token-file=", tt.tokenSecret, tt.tokItem)
			checkDatabaseURL(t, pod.Containers[0], tt.name == "postgres")
			if spread := len(pod.TopologySpreadConstraints) > 0; spread != (tt.name == "postgres") {
				t.Errorf("topologySpreadConstraints %+v: want them with several replicas only", pod.TopologySpreadConstraints)
			}
		})
	}
}

// checkPodSecurity checks the pod's and the container's security contexts.
func checkPodSecurity(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	ps, cs := pod.SecurityContext, pod.Containers[0].SecurityContext
	if ps == nil || cs == nil {
		t.Fatal("no pod or container securityContext")
	}
	got := []any{*ps.RunAsNonRoot, *ps.RunAsUser, ps.SeccompProfile.Type,
		*cs.RunAsNonRoot, *cs.RunAsUser, *cs.ReadOnlyRootFilesystem, *cs.AllowPrivilegeEscalation,
		cs.Capabilities.Drop, cs.SeccompProfile.Type}
	want := []any{true, int64(65532), corev1.SeccompProfileTypeRuntimeDefault,
		true, int64(65532), true, false,
		[]corev1.Capability{"ALL"}, corev1.SeccompProfileTypeRuntimeDefault}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("security contexts (-want +got):\n%s", diff)
	}
	if len(cs.Capabilities.Add) != 0 {
		t.Errorf("capabilities added: %v", cs.Capabilities.Add)
	}
}

// checkProbes checks that the probes ask the health listener (the
// --health-addr port) for /healthz and /readyz.
func checkProbes(t *testing.T, c corev1.Container) {
	t.Helper()
	if c.Args[0] != "server" || !slices.Contains(c.Args, "--health-addr=0.0.0.0:8081") || !slices.Contains(c.Args, "--addr=0.0.0.0:8080") {
		t.Errorf("args %q: want server with --addr=0.0.0.0:8080 --health-addr=0.0.0.0:8081", c.Args)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["http"] != 8080 || ports["health"] != 8081 {
		t.Errorf("ports %v, want http 8080 and health 8081", ports)
	}
	for _, p := range []struct {
		probe *corev1.Probe
		path  string
	}{{c.StartupProbe, "/healthz"}, {c.LivenessProbe, "/healthz"}, {c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "health" {
			t.Errorf("probe %+v: want GET %s on port health", p.probe, p.path)
		}
	}
}

// checkSecretFile checks that the flag names a file of a read-only volume
// of Secret secret's key item, mounted 0400.
func checkSecretFile(t *testing.T, pod corev1.PodSpec, flag, secret, item string) {
	t.Helper()
	c := pod.Containers[0]
	var path string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, flag); ok {
			path = v
		}
	}
	var mount *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if filepath.Dir(path) == m.MountPath {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil || !mount.ReadOnly {
		t.Fatalf("%s%s: no read-only mount holds it (mounts %+v)", flag, path, c.VolumeMounts)
	}
	for _, v := range pod.Volumes {
		if v.Name != mount.Name {
			continue
		}
		s := v.Secret
		if s == nil || s.SecretName != secret || *s.DefaultMode != 0o400 || len(s.Items) != 1 ||
			s.Items[0].Key != item || s.Items[0].Path != filepath.Base(path) {
			t.Errorf("volume %s of %s%s = %+v; want Secret %s key %s as %s, mode 0400", v.Name, flag, path, v.VolumeSource, secret, item, filepath.Base(path))
		}
		return
	}
	t.Errorf("no volume %s", mount.Name)
}

// checkDatabaseURL checks that with PostgreSQL the URL comes from a Secret
// through TETHER_DB, and that no argument carries a database URL.
func checkDatabaseURL(t *testing.T, c corev1.Container, postgres bool) {
	t.Helper()
	for _, a := range c.Args {
		if strings.Contains(a, "postgres") || strings.HasPrefix(a, "--db") {
			t.Errorf("argument %q: the database URL must not be an argument", a)
		}
	}
	var ref *corev1.SecretKeySelector
	for _, e := range c.Env {
		if e.Name == "TETHER_DB" && e.ValueFrom != nil {
			ref = e.ValueFrom.SecretKeyRef
		}
	}
	switch {
	case postgres && (ref == nil || ref.Name != "tether-db" || ref.Key != "url"):
		t.Errorf("TETHER_DB from %+v; want Secret tether-db key url", ref)
	case !postgres && ref != nil:
		t.Errorf("sqlite mode sets TETHER_DB from %+v", ref)
	}
}

// TestChartGeneratedSecrets checks the Secret the chart generates when no
// existing one is named: a key file the server loads (seal.Load, as
// `tether server --key-file` does) and an admin token it accepts; and that
// naming existing Secrets renders none.
func TestChartGeneratedSecrets(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	var s corev1.Secret
	objs := renderChart(t, "tether", "")
	findObject(t, objs, "Secret", &s)
	if s.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("annotations %v: the generated key must outlive helm uninstall", s.Annotations)
	}
	keyFile := filepath.Join(t.TempDir(), "tether.key")
	if err := os.WriteFile(keyFile, s.Data["tether.key"], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.Load(keyFile); err != nil {
		t.Errorf("the generated key file does not load: %v", err)
	}
	if tok := strings.TrimSpace(string(s.Data["admin.token"])); len(tok) < 32 {
		t.Errorf("generated admin token of %d characters, want at least 32", len(tok))
	}
	var again corev1.Secret
	findObject(t, renderChart(t, "tether", ""), "Secret", &again)
	if string(again.Data["tether.key"]) == string(s.Data["tether.key"]) {
		t.Error("two installs generated the same key")
	}
	for _, o := range renderChart(t, "tether", existingSecretsValues) {
		if o.GetKind() == "Secret" {
			t.Errorf("with existing secrets the chart still renders Secret %s", o.GetName())
		}
	}
}

// TestChartServiceMonitor checks the ServiceMonitor rendered when enabled
// (and only then): it scrapes /metrics on the Service's http port.
func TestChartServiceMonitor(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	for _, o := range renderChart(t, "tether", "") {
		if o.GetKind() == "ServiceMonitor" {
			t.Fatal("ServiceMonitor rendered although serviceMonitor.enabled is false")
		}
	}
	objs := renderChart(t, "tether", "serviceMonitor: {enabled: true, labels: {release: prom}}\n")
	var sm *unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "ServiceMonitor" {
			sm = o
		}
	}
	if sm == nil || sm.GetAPIVersion() != "monitoring.coreos.com/v1" || sm.GetLabels()["release"] != "prom" {
		t.Fatalf("ServiceMonitor %v; want one of monitoring.coreos.com/v1 labelled release=prom", sm)
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	want := []any{map[string]any{"port": "http", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}}
	if diff := cmp.Diff(want, eps); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
	// With a token, Prometheus sends it, and /metrics adds the
	// per-connection gauges.
	for _, o := range renderChart(t, "tether", "serviceMonitor: {enabled: true, tokenSecret: {name: tether-metrics}}\n") {
		if o.GetKind() != "ServiceMonitor" {
			continue
		}
		eps, _, _ := unstructured.NestedSlice(o.Object, "spec", "endpoints")
		want := map[string]any{"type": "Bearer", "credentials": map[string]any{"name": "tether-metrics", "key": "token"}}
		if got := eps[0].(map[string]any)["authorization"]; !cmp.Equal(want, got) {
			t.Errorf("authorization %v, want %v", got, want)
		}
	}
}
