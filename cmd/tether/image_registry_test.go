package main_test

import (
	"archive/tar"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// registryFixtures are the test registry's address and credentials (see
// scripts/testenv/registry.sh).
type registryFixtures struct {
	Host     string `json:"host"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// TestImagePushedToARegistry pushes the image with scripts/image.sh to the
// test registry (credentials in an auth file, never in arguments) and
// reads it back with go-containerregistry: the labels, the user, the
// entrypoint and command, and the files it holds.
func TestImagePushedToARegistry(t *testing.T) {
	p := newPodman(t)
	fx := readRegistryFixtures(t)
	auth := base64.StdEncoding.EncodeToString([]byte(fx.Username + ":" + fx.Password))
	authFile := writeFile(t, t.TempDir(), "auth.json", `{"auths":{"`+fx.Host+`":{"auth":"`+auth+`"}}}`)
	ref := fx.Host + "/tether-image-test:" + randomHex(t, 4)
	push := exec.Command("../../scripts/image.sh", "push", p.image, ref)
	push.Env = append(p.env, "REGISTRY_AUTH_FILE="+authFile, "TLS_VERIFY=false")
	if out, err := push.CombinedOutput(); err != nil {
		t.Fatalf("scripts/image.sh push: %v\n%s", err, out)
	}
	img := pullImage(t, ref, fx)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	checkImageConfig(t, cf.Config)
	files := imageFiles(t, img)
	license, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if files["/licenses/LICENSE"] != string(license) {
		t.Errorf("/licenses/LICENSE in the image is not the repository's LICENSE")
	}
	if !strings.Contains(files["/etc/passwd"], ":"+imageUID+":"+imageUID+":") || !strings.Contains(files["/etc/group"], ":"+imageUID+":") {
		t.Errorf("/etc/passwd %q and /etc/group %q do not name the user and group %s", files["/etc/passwd"], files["/etc/group"], imageUID)
	}
	if !strings.Contains(files["/etc/ssl/certs/ca-certificates.crt"], "BEGIN CERTIFICATE") {
		t.Errorf("the image has no CA certificates at /etc/ssl/certs/ca-certificates.crt")
	}
	if _, ok := files["/usr/local/bin/tether"]; !ok {
		t.Errorf("the image has no /usr/local/bin/tether")
	}
}

// readRegistryFixtures reads TETHER_TEST_REGISTRY's fixtures, or skips t
// when TETHER_TEST_SKIP_REGISTRY=1.
func readRegistryFixtures(t *testing.T) registryFixtures {
	t.Helper()
	if os.Getenv("TETHER_TEST_SKIP_REGISTRY") == "1" {
		t.Skip("TETHER_TEST_SKIP_REGISTRY=1")
	}
	path := os.Getenv("TETHER_TEST_REGISTRY")
	if path == "" {
		t.Fatal("TETHER_TEST_REGISTRY is not set: run ./scripts/test.sh, or start the registry with " +
			"`./scripts/testenv/registry.sh start` and export the fixtures path it prints")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fx registryFixtures
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fx
}

// pullImage reads the image at ref from the test registry (plain HTTP),
// and deletes it there at the end of the test.
func pullImage(t *testing.T, ref string, fx registryFixtures) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	auth := remote.WithAuth(&authn.Basic{Username: fx.Username, Password: fx.Password})
	img, err := remote.Image(r, auth)
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	if digest, err := img.Digest(); err == nil {
		t.Cleanup(func() { _ = remote.Delete(r.Context().Digest(digest.String()), auth) })
	}
	if size, err := imageSize(img); err == nil {
		t.Logf("%s: %d bytes compressed", ref, size)
	}
	return img
}

// imageSize is the sum of the image's compressed layers.
func imageSize(img v1.Image) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// checkImageConfig checks the run configuration and the labels of the
// pushed image.
func checkImageConfig(t *testing.T, c v1.Config) {
	t.Helper()
	if c.User != imageUID+":"+imageUID {
		t.Errorf("User = %q, want %s:%s", c.User, imageUID, imageUID)
	}
	if diff := cmp.Diff([]string{"/usr/local/bin/tether", "server"}, append(c.Entrypoint, c.Cmd...)); diff != "" {
		t.Errorf("entrypoint and command (-want +got):\n%s", diff)
	}
	for _, env := range []string{"TETHER_ADDR=0.0.0.0:8080", "TETHER_DATA_DIR=/var/lib/tether/data"} {
		if !strings.Contains(strings.Join(c.Env, "\n")+"\n", env+"\n") {
			t.Errorf("Env = %q, want %s", c.Env, env)
		}
	}
	want := map[string]string{
		"org.opencontainers.image.title":    "tether",
		"org.opencontainers.image.source":   "https://github.com/tether-ml/tether",
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
	for k, v := range want {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	for _, k := range []string{"version", "revision", "created"} {
		if c.Labels["org.opencontainers.image."+k] == "" {
			t.Errorf("label org.opencontainers.image.%s is missing", k)
		}
	}
	if _, err := time.Parse(time.RFC3339, c.Labels["org.opencontainers.image.created"]); err != nil {
		t.Errorf("label org.opencontainers.image.created: %v", err)
	}
}

// imageFiles returns the regular files of the image's flattened file
// system, by absolute path, with their contents (up to 1 MiB each).
func imageFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(io.LimitReader(tr, 1<<20))
			files["/"+strings.TrimPrefix(h.Name, "./")] = string(data)
		}
	}
}
