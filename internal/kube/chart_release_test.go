package kube_test

import (
	"bytes"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestChartReleaseKeepsGeneratedSecrets installs the chart with helm into
// the test API server, upgrades it with other values, and uninstalls it:
// the generated key file and admin token survive the upgrade unchanged
// (lookup), and the uninstall (resource-policy keep), since a new key
// would make every stored secret unreadable. The install's notes say how
// to reach the server and where the admin token is.
func TestChartReleaseKeepsGeneratedSecrets(t *testing.T) {
	helmBinary(t) // without helm, skip once here rather than in every case
	c := newCluster(t)
	run := func(args ...string) string {
		t.Helper()
		out, err := helm(t, append(args, "--namespace", c.ns, "--kubeconfig", c.kubeconfig)...)
		if err != nil {
			t.Fatalf("helm %s: %v", args[0], err)
		}
		return out
	}
	secret := func() map[string][]byte {
		t.Helper()
		s, err := c.cs.CoreV1().Secrets(c.ns).Get(t.Context(), "tether-secrets", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get the generated Secret: %v", err)
		}
		return s.Data
	}
	notes := run("install", "tether", chartDir)
	for _, want := range []string{
		"http://tether." + c.ns + ".svc.cluster.local",
		"kubectl -n " + c.ns + " get secret tether-secrets",
		`jsonpath='{.data.admin\.token}'`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("install notes lack %q:\n%s", want, notes)
		}
	}
	installed := secret()
	if len(installed["tether.key"]) == 0 || len(installed["admin.token"]) == 0 {
		t.Fatalf("generated Secret holds keys %v", keysOf(installed))
	}
	run("upgrade", "tether", chartDir, "--set", "server.logLevel=debug")
	upgraded := secret()
	for _, k := range []string{"tether.key", "admin.token"} {
		if !bytes.Equal(installed[k], upgraded[k]) {
			t.Errorf("helm upgrade changed %s of the generated Secret", k)
		}
	}
	run("uninstall", "tether")
	if kept := secret(); !bytes.Equal(kept["tether.key"], installed["tether.key"]) {
		t.Error("the key file changed across helm uninstall")
	}
}

// keysOf lists the keys of a Secret's data, never its values.
func keysOf(data map[string][]byte) []string {
	out := make([]string, 0, len(data))
	for k := range data {
		out = append(out, k)
	}
	return out
}
