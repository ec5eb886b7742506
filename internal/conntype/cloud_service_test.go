package conntype_test

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// The cloud storage emulators: their start scripts print an endpoint URL,
// not a fixtures file, since they have no credential of their own to give
// (fake-gcs-server checks none; Azurite's development account is public).
var (
	gcsService     = testService{"TETHER_TEST_GCS", "TETHER_TEST_SKIP_GCS", "gcs.sh", "fake-gcs-server"}
	azuriteService = testService{"TETHER_TEST_AZURITE", "TETHER_TEST_SKIP_AZURITE", "azurite.sh", "Azurite"}
)

// endpoint returns the URL the service's start script printed, or skips t
// if the service's tests are to be skipped. A missing service fails the
// test, as fixtures does.
func (s testService) endpoint(t *testing.T) string {
	t.Helper()
	if os.Getenv(s.skip) == "1" {
		t.Skip(s.skip + "=1")
	}
	u := os.Getenv(s.env)
	if u == "" {
		t.Fatalf("%s is not set: run ./scripts/test.sh, which starts %s, or start it with "+
			"`./scripts/testenv/%s start` and export the URL it prints (%s=1 skips these tests)",
			s.env, s.what, s.script, s.skip)
	}
	return u
}

// egressProbeEnv is the environment of a server-side test: the egress
// policy's dialer and HTTP client, permitting only the given prefixes.
func egressProbeEnv(allowed ...string) *tether.ProbeEnv {
	var prefixes []netip.Prefix
	for _, a := range allowed {
		prefixes = append(prefixes, netip.MustParsePrefix(a))
	}
	d := egress.NewDialer(egress.NewPolicy(prefixes), nil, 5*time.Second)
	return &tether.ProbeEnv{HTTP: egress.HTTPClient(d, egress.HTTPConfig{Timeout: 20 * time.Second}), Dial: d.DialContext}
}

// loopback is the prefix the tests' egress policy permits: the test
// services listen on 127.0.0.1.
const loopback = "127.0.0.1/32"
