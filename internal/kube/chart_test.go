package kube_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// chartDir is the Helm chart under test (charts/tether), from this package.
const chartDir = "../../charts/tether"

// helmBinary returns the helm CLI named by TETHER_TEST_HELM, or skips t:
// helm is a tool of the tests that scripts/test.sh builds and names
// (scripts/testenv/helm.sh), not a dependency of the module.
func helmBinary(t *testing.T) string {
	t.Helper()
	p := os.Getenv("TETHER_TEST_HELM")
	if p == "" {
		t.Skip("TETHER_TEST_HELM is not set: the chart's tests need the helm CLI; run ./scripts/test.sh, " +
			"or export TETHER_TEST_HELM=$(./scripts/testenv/helm.sh install)")
	}
	return p
}

// helm runs the helm CLI with args, with its own empty configuration,
// cache and data directories, and no cluster; it returns stdout, and an
// error holding stderr if helm failed.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), helmBinary(t), args...)
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"), "HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), errors.New(err.Error() + ": " + stderr.String() + stdout.String())
	}
	return stdout.String(), nil
}

// valuesFile writes the values YAML to a file for helm's -f (which splits
// its argument at commas: test names must have none).
func valuesFile(t *testing.T, values string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(values), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// renderChart runs helm template for release "tether" in namespace ns with
// the values, and decodes every object it renders.
func renderChart(t *testing.T, ns, values string) []*unstructured.Unstructured {
	t.Helper()
	out, err := helm(t, "template", "tether", chartDir, "--namespace", ns, "-f", valuesFile(t, values))
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(out), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode what helm template rendered: %v\n%s", err, out)
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
	return objs
}

// findObject returns the rendered object of the kind, failing t if there
// is not exactly one, and converts it into into (a typed API object).
func findObject(t *testing.T, objs []*unstructured.Unstructured, kind string, into any) {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("rendered %d objects of kind %s, want 1 (kinds: %v)", len(found), kind, kinds(objs))
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(found[0].Object, into); err != nil {
		t.Fatalf("convert the %s: %v", kind, err)
	}
}

// kinds lists the kinds of objs, in order.
func kinds(objs []*unstructured.Unstructured) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.GetKind())
	}
	return out
}

// Value sets of the chart used by several tests.
const (
	postgresValues = `replicas: 3
storage: {mode: postgres, postgres: {existingSecret: tether-db}}
podDisruptionBudget: {enabled: true, maxUnavailable: 1}
networkPolicy: {enabled: true}
ingress:
  enabled: true
  className: nginx
  hosts: [{host: tether.example.com, paths: [{path: /, pathType: Prefix}]}]
  tls: [{hosts: [tether.example.com], secretName: tether-tls}]
server:
  trustedProxies: [10.0.0.0/8]
  k8sIssuers: [https://kubernetes.default.svc]
`
	existingSecretsValues = `secrets:
  key: {existingSecret: my-tether-key, secretKey: key.json}
  adminToken: {existingSecret: my-tether-admin, secretKey: token}
`
)

// TestChartLintAndValuesSchema runs helm lint and helm template for value
// sets: good ones pass, and a typo, a wrong type or a replica count the
// storage mode cannot run fails both, naming what is wrong.
func TestChartLintAndValuesSchema(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	tests := []struct {
		name, values string
		wantErr      string // "" for success; else a part of helm's message
	}{
		{"defaults (sqlite)", "", ""},
		{"postgres with 3 replicas PDB NetworkPolicy and Ingress", postgresValues, ""},
		{"existing secrets", existingSecretsValues, ""},
		{"service monitor", "serviceMonitor: {enabled: true}\n", ""},
		{"OIDC", "server: {oidc: {issuerURL: 'https://dex.example.com', clientID: tether}}\n", ""},
		{"OIDC issuer without a client", "server: {oidc: {issuerURL: 'https://dex.example.com'}}\n", "clientID"},
		{"unknown top-level key", "replica: 1\n", "replica"},
		{"unknown nested key", "server: {logFromat: text}\n", "logFromat"},
		{"unknown key in a list item", "ingress: {enabled: true, hosts: [{host: a, path: [/]}]}\n", "path"},
		{"wrong type", "replicas: two\n", "replicas"},
		{"bad log format", "server: {logFormat: xml}\n", "logFormat"},
		{"unknown storage mode", "storage: {mode: mysql}\n", "mode"},
		{"sqlite with 2 replicas", "replicas: 2\n", "replicas"},
		{"postgres with 1 replica", "storage: {mode: postgres, postgres: {existingSecret: db}}\n", "replicas"},
		{"postgres without the URL secret", "replicas: 2\nstorage: {mode: postgres}\n", "existingSecret"},
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

// TestChartReplicaGuardWithoutSchema checks the templates' own guard on the
// replica count, for tools that skip the values schema
// (--skip-schema-validation): the render fails with a message that names
// the fix.
func TestChartReplicaGuardWithoutSchema(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	t.Parallel()
	tests := []struct{ name, values, want string }{
		{"sqlite with 2 replicas", "replicas: 2\n", "storage.mode sqlite runs exactly 1 replica"},
		{"postgres with 1 replica", "storage: {mode: postgres, postgres: {existingSecret: db}}\n",
			"storage.mode postgres runs 2 or more replicas"},
		{"postgres without the URL secret", "replicas: 2\nstorage: {mode: postgres}\n",
			"storage.postgres.existingSecret: name the Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := helm(t, "template", "tether", chartDir, "--skip-schema-validation", "-f", valuesFile(t, tt.values))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("helm template: %v; want a failure saying %q", err, tt.want)
			}
		})
	}
}
