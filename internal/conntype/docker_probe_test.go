package conntype_test

import (
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tether-ml/tether"
)

// TestDockerProbe authenticates to the test registry (htpasswd, basic) and
// lists the tags of a repository it holds.
func TestDockerProbe(t *testing.T) {
	var f registryFixtures
	registryService.fixtures(t, &f)
	ref := testTag(t, f, "probe")
	auth := remote.WithAuth(&authn.Basic{Username: f.Username, Password: f.Password})
	if err := remote.Write(ref, randomImage(t), auth, remote.WithContext(testContext(t))); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	conn := func(uri, password string) *tether.Connection {
		c := registryConn(f, password)
		c.Spec.URI = uri
		return c
	}
	repo := f.Host + "/tether/test"
	wrong := f.Password + "x"
	runProbeCases(t, []probeCase{
		{name: "working", conn: conn(repo, f.Password), msg: "listed the tags of " + repo},
		{name: "registry only", conn: conn(f.Host, f.Password), msg: "authenticated to " + f.Host},
		{name: "wrong password", conn: conn(repo, wrong), code: tether.EUNAUTHORIZED, msg: "refused the credential (401"},
		{name: "wrong password, registry only", conn: conn(f.Host, wrong), code: tether.EUNAUTHORIZED,
			msg: "refused the credential (401"},
		{name: "wrong username", conn: func() *tether.Connection {
			c := conn(repo, f.Password)
			c.Spec.Username = "nobody"
			return c
		}(), code: tether.EUNAUTHORIZED, msg: "refused the credential"},
		{name: "missing repository", conn: conn(f.Host+"/tether/absent", f.Password), code: tether.ENOTFOUND,
			msg: "repository tether/absent does not exist"},
		{name: "unreachable port", conn: conn(closedPort(t)+"/tether/test", f.Password), code: tether.EUNAVAILABLE,
			msg: "connection refused"},
		{name: "stalled registry", conn: conn(stalledAddr(t)+"/tether/test", f.Password), timeout: time.Second,
			code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "refused address", conn: conn(repo, f.Password), env: refusingProbeEnv(), code: tether.EFORBIDDEN,
			msg: "is not allowed"},
	}, f.Password, wrong, b64(f.Password), b64(f.Username+":"+f.Password), b64(f.Username+":"+wrong))
}
