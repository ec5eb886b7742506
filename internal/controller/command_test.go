package controller_test

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/api/v1alpha1"
)

// TestControllerCommand: `tether controller`, the built binary, configured
// by its flags and Tether's environment variables, delivers a
// ConnectionSync and follows a rotation through the change feed.
func TestControllerCommand(t *testing.T) {
	h := newWorld(t)
	logs := &syncBuffer{}
	cmd := exec.Command(tetherBin, "controller", "--kubeconfig", h.kubeconfig, "--resync-interval", "1h",
		"--metrics-addr", "0", "--health-addr", "0", "--leader-elect", "--leader-election-namespace", h.ns,
		"--selector", h.selector())
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin", "TETHER_URL=" + h.tether.URL,
		"TETHER_TOKEN=" + h.controllerToken(), "TETHER_K8S_AUDIENCE=tether"}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("controller log:\n%s", logs)
		}
	})

	h.s3Connection("cli", "cli-secret")
	h.bind(h.ns, "default", tether.RoleUser)
	h.createSync(newSync("cli", "cli", v1alpha1.DeletionPolicyDelete))
	h.waitSecret(h.ns, "cli", "cli-secret", converge)
	h.rotate("cli", "cli-rotated")
	h.waitSecret(h.ns, "cli", "cli-rotated", converge)
}
