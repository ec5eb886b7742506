package conntype_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/tether-ml/tether"
)

// registryFixtures describe the test registry
// (scripts/testenv/registry.sh).
type registryFixtures struct {
	Host     string `json:"host"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// TestRegistryTools pushes an image with go-containerregistry, which finds
// its credentials the way docker does, in $DOCKER_CONFIG/config.json: from
// the rendering only. The registry speaks plain HTTP (name.Insecure).
func TestRegistryTools(t *testing.T) {
	var f registryFixtures
	registryService.fixtures(t, &f)
	setDockerEnv(t, registryConn(f, f.Password))
	ref := testTag(t, f, "ok")
	img := randomImage(t)
	opts := []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithContext(testContext(t))}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("pushing %s with the rendered config.json: %v", ref, err)
	}
	desc, err := remote.Head(ref, opts...)
	if err != nil {
		t.Fatalf("HEAD %s: %v", ref, err)
	}
	if want, _ := img.Digest(); desc.Digest != want {
		t.Errorf("HEAD %s: digest %s, want %s", ref, desc.Digest, want)
	}
}

// TestRegistryToolsWrongPassword checks that the registry refuses a wrong
// password in the rendering: 401 to a push, and to a pull with the error
// code UNAUTHORIZED (a push begins with a HEAD request, whose 401 has no
// body to carry the code).
func TestRegistryToolsWrongPassword(t *testing.T) {
	var f registryFixtures
	registryService.fixtures(t, &f)
	setDockerEnv(t, registryConn(f, f.Password+"x"))
	ref := testTag(t, f, "refused")
	opts := []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithContext(testContext(t))}
	err := remote.Write(ref, randomImage(t), opts...)
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusUnauthorized {
		t.Fatalf("push: got %v, want a 401 from the registry", err)
	}
	_, err = remote.Get(ref, opts...)
	if !errors.As(err, &te) || te.StatusCode != http.StatusUnauthorized {
		t.Fatalf("pull: got %v, want a 401 from the registry", err)
	}
	for _, d := range te.Errors {
		if d.Code == transport.UnauthorizedErrorCode {
			return
		}
	}
	t.Errorf("pull: got %v, want the error code %s", err, transport.UnauthorizedErrorCode)
}

// registryConn returns a docker connection to the test registry with the
// given password, as the API takes it (base64).
func registryConn(f registryFixtures, password string) *tether.Connection {
	return &tether.Connection{Kind: tether.Kind, ID: "registry", Spec: tether.ConnectionSpec{
		Type: "docker", URI: f.Host + "/tether", Username: f.Username, Password: tether.Secret(b64(password)),
	}}
}

// setDockerEnv renders c and makes its variables the only docker
// configuration of the environment.
func setDockerEnv(t *testing.T, c *tether.Connection) {
	t.Helper()
	r, _ := materialise(t, c)
	isolate(t, "DOCKER_", "REGISTRY_AUTH_FILE", "XDG_")
	for k, v := range r.Env {
		t.Setenv(k, v)
	}
}

// testTag returns the reference tether/test:<tag> on the test registry.
func testTag(t *testing.T, f registryFixtures, tag string) name.Reference {
	t.Helper()
	ref, err := name.NewTag(f.Host+"/tether/test:"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// randomImage returns a small image of random layers.
func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
