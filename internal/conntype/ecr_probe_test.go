package conntype_test

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// TestECRProbe exchanges an ecr connection's keys at a local ECR API and
// authenticates with the token to the registry ECR names for it: the test
// registry, whose htpasswd login the fake ECR hands out as its token. The
// real ECR API (its signature checks) cannot be reached here.
func TestECRProbe(t *testing.T) {
	var f registryFixtures
	registryService.fixtures(t, &f)
	const keyID, region = "AKIAIOSFODNN7EXAMPLE", "eu-central-1"
	registry := "http://" + f.Host
	conn := func(endpoint string) *tether.Connection { return ecrConn(t, endpoint) }
	good := fakeECRFor(t, keyID, region, f.Username, f.Password, time.Hour, registry).URL
	wrongToken := fakeECRFor(t, keyID, region, f.Username, f.Password+"x", time.Hour, registry).URL
	otherKey := fakeECRFor(t, "AKIAOTHERKEY0000000", region, f.Username, f.Password, time.Hour, registry).URL
	stored := conn(good)
	runProbeCases(t, []probeCase{
		{name: "working", conn: stored, msg: "ECR issued a registry token, valid until"},
		{name: "keys refused", conn: conn(otherKey), code: tether.EUNAUTHORIZED,
			msg: "ECR refused the stored keys (UnrecognizedClientException)"},
		{name: "token refused by the registry", conn: conn(wrongToken), code: tether.EUNAUTHORIZED,
			msg: "refused the credential (401"},
		{name: "ECR unreachable", conn: conn("http://" + closedPort(t)), code: tether.EUNAVAILABLE,
			msg: "connection refused"},
		{name: "refused address", conn: stored, env: refusingProbeEnv(), code: tether.EFORBIDDEN,
			msg: "is not allowed"},
	}, f.Password, b64(f.Username+":"+f.Password), string(stored.Spec.KeySecret), stored.Spec.KeySecret.Reveal())
}
