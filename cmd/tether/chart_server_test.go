//go:build linux

package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestServerStartsAsTheChartRunsIt runs the server as the Helm chart
// (charts/tether) would in a pod, short of a kubelet: with the arguments
// its Deployment renders, as user 65532, the key file and the admin token
// of the Secret it generates laid out as the kubelet mounts them with the
// pod's fsGroup (root's, group 65532, mode 0440). The server must accept
// every flag and both files, and serve its probes. It needs the helm CLI
// (TETHER_TEST_HELM) and root.
func TestServerStartsAsTheChartRunsIt(t *testing.T) {
	helmBin := os.Getenv("TETHER_TEST_HELM")
	if helmBin == "" {
		t.Skip("TETHER_TEST_HELM is not set: run ./scripts/test.sh, or export TETHER_TEST_HELM=$(./scripts/testenv/helm.sh install)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: files owned by root, the server run as user 65532")
	}
	t.Parallel()
	var d appsv1.Deployment
	var s corev1.Secret
	renderTemplate(t, helmBin, "templates/deployment.yaml", &d)
	renderTemplate(t, helmBin, "templates/secret.yaml", &s)
	dir := nonRootDir(t)
	files := map[string][]byte{
		"/etc/tether/key/tether.key":          s.Data["tether.key"],
		"/etc/tether/admin-token/admin.token": s.Data["admin.token"],
	}
	for path, data := range files {
		local := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(local, data, 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(local, 0, nonRootID); err != nil {
			t.Fatal(err)
		}
		chmod(t, local, 0o440)
	}
	args := d.Spec.Template.Spec.Containers[0].Args
	if len(args) == 0 || args[0] != "server" {
		t.Fatalf("args %q: want the server command first", args)
	}
	var local []string
	for _, a := range args[1:] {
		a = strings.Replace(a, "=/var/lib/tether/data", "="+filepath.Join(dir, "data"), 1)
		a = strings.Replace(a, "=/etc/tether/", "="+filepath.Join(dir, "etc", "tether")+"/", 1)
		a = strings.Replace(a, "=0.0.0.0:", "=127.0.0.1:0#", 1)
		a, _, _ = strings.Cut(a, "#") // any free port
		local = append(local, a)
	}
	stderr, started := runServerAs(t, dir, local...)
	if !started || !strings.Contains(stderr, "health probes listening") {
		t.Errorf("the server did not start with the chart's arguments %q; stderr:\n%s", local, stderr)
	}
}

// renderTemplate renders one template of the chart with its default values
// into obj.
func renderTemplate(t *testing.T, helmBin, template string, obj any) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), helmBin, "template", "tether", "../../charts/tether", "--show-only", template)
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template --show-only %s: %v", template, err)
	}
	if err := yaml.Unmarshal(out, obj); err != nil {
		t.Fatalf("decode %s: %v", template, err)
	}
}
