//go:build linux

package main_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tether-ml/tether/internal/seal"
)

// nonRootID is the user and group the server runs as in its image and
// under the Helm chart.
const nonRootID = 65532

// TestSecretFilesMountedByKubernetes runs the server as a non-root user,
// as the chart does, with the key file and the admin token file as the
// kubelet mounts Secrets for a pod with fsGroup: owned by root, group the
// pod's, mode 0400 widened to 0440. It starts with those; any wider mode,
// a file the server's user owns that its group may read, or a group the
// server is not in is still refused. It needs root (to own files as root
// and run the server as another user), so it is skipped elsewhere.
func TestSecretFilesMountedByKubernetes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: files owned by root, the server run as user 65532")
	}
	t.Parallel()
	for _, tc := range []struct {
		name       string
		uid, gid   int
		mode       os.FileMode
		wantStderr string // "" to start
	}{
		{"root's, the server's group, 0440 (kubelet with fsGroup)", 0, nonRootID, 0o440, ""},
		{"root's, the server's group, 0640", 0, nonRootID, 0o640, ""},
		{"root's, the server's group, 0444", 0, nonRootID, 0o444, "is readable by other users (mode 0444)"},
		{"root's, the server's group, 0460", 0, nonRootID, 0o460, "by other users (mode 0460)"},
		{"the server's own, 0440", nonRootID, nonRootID, 0o440, "is readable by other users (mode 0440)"},
		{"root's, another group, 0440", 0, 4242, 0o440, "permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := nonRootDir(t)
			key, token := filepath.Join(dir, "secrets", "tether.key"), filepath.Join(dir, "secrets", "admin.token")
			if _, err := seal.Create(key); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(token, []byte("tether_supplied-"+randomHex(t, 16)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{key, token} {
				if err := os.Chown(p, tc.uid, tc.gid); err != nil {
					t.Fatal(err)
				}
				chmod(t, p, tc.mode)
			}
			stderr, started := runServerAs(t, dir, "--key-file", key, "--admin-token-file", token)
			if tc.wantStderr == "" && !started {
				t.Errorf("the server did not start; stderr:\n%s", stderr)
			}
			if tc.wantStderr != "" && (started || !strings.Contains(stderr, tc.wantStderr)) {
				t.Errorf("started %v, stderr:\n%s\nwant a refusal saying %q", started, stderr, tc.wantStderr)
			}
		})
	}
}

// nonRootDir makes a directory the non-root user may enter, holding a copy
// of the binary, a data directory it owns, and a secrets directory.
func nonRootDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tether-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	bin, err := os.ReadFile(tetherBin)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []error{
		os.Chmod(dir, 0o755),
		os.WriteFile(filepath.Join(dir, "tether"), bin, 0o755),
		os.Mkdir(filepath.Join(dir, "data"), 0o700),
		os.Chown(filepath.Join(dir, "data"), nonRootID, nonRootID),
		os.Mkdir(filepath.Join(dir, "secrets"), 0o755),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	return dir
}

// runServerAs runs the server of dir as user and group 65532 until it logs
// that it listens (started) or exits, and returns what it wrote to stderr.
func runServerAs(t *testing.T, dir string, args ...string) (stderr string, started bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	args = append([]string{"server", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data")}, args...)
	var buf logBuffer
	cmd, err := startCopied(func() *exec.Cmd {
		cmd := exec.CommandContext(ctx, filepath.Join(dir, "tether"), args...)
		cmd.Dir, cmd.Env, cmd.Stderr = dir, processEnv(dir, nil), &buf
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: nonRootID, Gid: nonRootID, Groups: []uint32{nonRootID}}}
		return cmd
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return buf.String(), false
		case <-time.After(50 * time.Millisecond):
		}
		if strings.Contains(buf.String(), "listening") {
			_ = cmd.Process.Kill()
			<-done
			return buf.String(), true
		}
		if ctx.Err() != nil {
			t.Fatalf("the server neither started nor stopped; stderr:\n%s", buf.String())
		}
	}
}

// startCopied starts the command newCmd makes, whose binary was just
// written: while another test's fork still holds the writing descriptor
// (until its exec closes it), the kernel refuses to run the file (ETXTBSY,
// golang/go#22315), so that refusal is retried, with a new Cmd each time
// (a Cmd starts once).
func startCopied(newCmd func() *exec.Cmd) (*exec.Cmd, error) {
	for try := 0; ; try++ {
		cmd := newCmd()
		err := cmd.Start()
		if !errors.Is(err, syscall.ETXTBSY) || try == 50 {
			return cmd, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
