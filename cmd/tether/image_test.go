package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The image tests run the container image that scripts/image.sh built,
// named by TETHER_TEST_IMAGE in the local storage of podman and buildah
// (storage driver vfs, or STORAGE_DRIVER), with runc, and push it to the
// test registry (TETHER_TEST_REGISTRY).
const (
	envTestImage = "TETHER_TEST_IMAGE"
	imageUID     = "65532"
)

// podman runs containers from the test image.
type podman struct {
	t     *testing.T
	image string
	env   []string
}

// newPodman returns the podman of the test image, or skips t when no image
// was built. Podman gets a containers.conf without default ulimits, which
// a runtime inside a container here cannot set.
func newPodman(t *testing.T) *podman {
	t.Helper()
	image := os.Getenv(envTestImage)
	if image == "" {
		t.Skip(envTestImage + " is not set: build the image with `scripts/image.sh build localhost/tether:test` " +
			"and set " + envTestImage + "=localhost/tether:test (scripts/test.sh does both)")
	}
	conf := writeFile(t, t.TempDir(), "containers.conf", "[containers]\ndefault_ulimits = []\n")
	return &podman{t: t, image: image, env: append(os.Environ(), "CONTAINERS_CONF="+conf)}
}

// command returns the podman command with args, on the storage that
// scripts/image.sh built into.
func (p *podman) command(args ...string) *exec.Cmd {
	driver := os.Getenv("STORAGE_DRIVER")
	if driver == "" {
		driver = "vfs"
	}
	cmd := exec.Command("podman", append([]string{"--storage-driver", driver, "--runtime", "runc"}, args...)...)
	cmd.Env = p.env
	return cmd
}

// run runs podman with args and returns its stdout; stderr goes into the
// error.
func (p *podman) run(args ...string) (string, error) {
	cmd := p.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), errors.New("podman " + strings.Join(args, " ") + ": " + err.Error() + ": " + stderr.String())
	}
	return stdout.String(), nil
}

// ok is run that fails t on error.
func (p *podman) ok(args ...string) string {
	p.t.Helper()
	out, err := p.run(args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// TestImageRunsTheServer runs the image as it is meant to run: its default
// command (the server), a read-only root file system and a tmpfs for the
// data. The server answers /healthz, /readyz and /version from the
// container, runs as the user 65532, and its version is the one the
// image's labels and "tether version" state.
func TestImageRunsTheServer(t *testing.T) {
	p := newPodman(t)
	var labels map[string]string
	if err := json.Unmarshal([]byte(p.ok("image", "inspect", "--format", "{{json .Labels}}", p.image)), &labels); err != nil {
		t.Fatal(err)
	}
	var client versions
	if err := json.Unmarshal([]byte(p.ok("run", "--rm", "--network", "host", p.image, "version", "--client", "-o", "json")), &client); err != nil {
		t.Fatal(err)
	}
	stamped := buildInfo{Version: labels["org.opencontainers.image.version"], Commit: labels["org.opencontainers.image.revision"],
		BuildDate: labels["org.opencontainers.image.created"], GoVersion: client.ClientVersion.GoVersion, Platform: client.ClientVersion.Platform}
	if diff := cmp.Diff(&stamped, client.ClientVersion); diff != "" || stamped.Version == "" || stamped.Commit == "" {
		t.Errorf("tether version in the image does not show the labels' version, revision and date (-labels +version):\n%s", diff)
	}

	addr := closedPort(t)
	container := "tether-image-test-" + randomHex(t, 4)
	p.ok("run", "--detach", "--name", container, "--network", "host", "--read-only",
		"--tmpfs", "/var/lib/tether:rw,U", "--env", "TETHER_ADDR="+addr, p.image)
	t.Cleanup(func() { _, _ = p.run("rm", "--force", "--volumes", "--time", "1", container) })
	server := awaitContainer(t, p, container, "http://"+addr)
	if diff := cmp.Diff(client.ClientVersion, server); diff != "" {
		t.Errorf("GET /version from the container (-client +server):\n%s", diff)
	}
	// Any subcommand runs in the image: here a client beside the server.
	both := p.ok("run", "--rm", "--network", "host", "--env", "TETHER_URL=http://"+addr, p.image, "version")
	if !strings.Contains(both, "Server Version: "+stamped.Version+"\n") {
		t.Errorf("tether version in a second container printed\n%s\nwant the server's version %s", both, stamped.Version)
	}
	pid := checkConfinement(t, p, container)
	checkDataWritable(t, pid, "http://"+addr)
}

// awaitContainer waits until the server in container answers /healthz and
// /readyz at url, and returns its /version.
func awaitContainer(t *testing.T, p *podman, container, url string) *buildInfo {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := hc.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			logs, _ := p.command("logs", container).CombinedOutput() // the server logs to stderr
			t.Fatalf("the container's server did not answer /healthz within 60s (%v); its logs:\n%s", err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var out buildInfo
	for _, path := range []string{"/readyz", "/version"} {
		resp, err := hc.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s from the container: %d %s", path, resp.StatusCode, body)
		}
		if path == "/version" {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("GET /version: %v: %s", err, body)
			}
		}
	}
	return &out
}

// checkConfinement checks, from the host's /proc, that the container's
// process runs as 65532 (user and group, every id) on a read-only root
// file system, as podman also reports, and returns its pid.
func checkConfinement(t *testing.T, p *podman, container string) string {
	t.Helper()
	state := strings.Fields(p.ok("inspect", "--format", "{{.State.Pid}} {{.HostConfig.ReadonlyRootfs}}", container))
	if len(state) != 2 {
		t.Fatalf("podman inspect: %q, want the pid and whether the root is read-only", state)
	}
	if state[1] != "true" {
		t.Errorf("podman inspect: ReadonlyRootfs = %s, want true", state[1])
	}
	status, err := os.ReadFile("/proc/" + state[0] + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 5 && (f[0] == "Uid:" || f[0] == "Gid:") {
			if diff := cmp.Diff([]string{imageUID, imageUID, imageUID, imageUID}, f[1:]); diff != "" {
				t.Errorf("the server's %s ids (real, effective, saved, fs) (-want +got):\n%s", f[0], diff)
			}
		}
	}
	mounts, err := os.ReadFile("/proc/" + state[0] + "/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if opts := mountOptions(string(mounts), "/"); !strings.HasPrefix(opts+",", "ro,") {
		t.Errorf("the container's root is mounted %q, want read-only", opts)
	}
	if opts := mountOptions(string(mounts), "/var/lib/tether"); !strings.HasPrefix(opts+",", "rw,") {
		t.Errorf("the data volume is mounted %q, want read-write", opts)
	}
	return state[0]
}

// checkDataWritable: with its root read-only, the server in the container
// of process pid keeps its data on the tmpfs. It wrote its admin token
// there (read through the host's /proc/PID/root), and a connection created
// with that token at url is stored and read back.
func checkDataWritable(t *testing.T, pid, url string) {
	t.Helper()
	token, err := os.ReadFile("/proc/" + pid + "/root/var/lib/tether/data/admin.token")
	if err != nil {
		t.Fatalf("the server's admin token in its data directory: %v", err)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, step := range []struct{ method, path, body string }{
		{"POST", "/api/v1/connection", `{"id":"image-data","spec":{"type":"s3","uri":"s3://bucket/path","region":"eu-central-1",` +
			`"keyID":"` + b64("AKIAIMAGETEST") + `","keySecret":"` + b64(randomHex(t, 16)) + `"}}`},
		{"GET", "/api/v1/connection/image-data", ""},
	} {
		req, _ := http.NewRequest(step.method, url+step.path, strings.NewReader(step.body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 || !strings.Contains(string(body), `"image-data"`) {
			t.Errorf("%s %s in the container: %d %s", step.method, step.path, resp.StatusCode, body)
		}
	}
}

// mountOptions returns the per-mount options of the mount at point in a
// /proc/PID/mountinfo (the last one listed: the one on top).
func mountOptions(mountinfo, point string) string {
	opts := ""
	for _, line := range strings.Split(mountinfo, "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[4] == point {
			opts = f[5]
		}
	}
	return opts
}

// TestImageHasNoShell: the image holds the binary and its few files only;
// nothing else runs in it.
func TestImageHasNoShell(t *testing.T) {
	p := newPodman(t)
	for _, shell := range []string{"/bin/sh", "/bin/bash", "/busybox"} {
		if out, err := p.run("run", "--rm", "--network", "host", "--entrypoint", shell, p.image, "-c", "id"); err == nil {
			t.Errorf("%s ran in the image: %s", shell, out)
		}
	}
}
