package service_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/service"
)

// registryProbe tests a docker connection as a registry's API would: GET
// /v2/ at its uri with its credentials, through env.HTTP.
func registryProbe(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.Spec.URI+"/v2/", nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(c.Spec.Username, probeSecret) // the decoded password, as a real probe sends it
	resp, err := env.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", tether.Errorf(tether.EUNAUTHORIZED, "registry %s answered %s", c.Spec.URI, resp.Status)
	}
	return "registry " + c.Spec.URI + " accepted the credential", nil
}

// registry is a real HTTP server on 127.0.0.1 that accepts bot:probeSecret.
func registry(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bot" || p != probeSecret {
			http.Error(w, "denied", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "{}")
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestProbeResults(t *testing.T) {
	untrusted := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate is not in the system roots
	t.Cleanup(untrusted.Close)
	tests := []struct {
		name   string
		probe  probeFunc
		ok     bool
		prefix string // of the message
	}{
		{"passes against a real registry", registryProbe, true, "registry 127.0.0.1:"},
		{"a refused credential keeps the probe's message, with the secret masked",
			func(context.Context, *tether.Connection, tether.ProbeEnv) (string, error) {
				return "", tether.Errorf(tether.EUNAUTHORIZED, "password %s (%s) refused", probeSecret64, probeSecret)
			}, false, "password ***** (*****) refused"},
		{"an SDK's error is not shown",
			func(context.Context, *tether.Connection, tether.ProbeEnv) (string, error) {
				return "", errors.New("sdk: signature mismatch for key " + probeSecret)
			}, false, "the connection test failed; its target's answer is not shown"},
		{"the metadata address is refused by the egress policy",
			func(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
				resp, err := env.HTTP.Get("http://169.254.169.254/latest/meta-data/?token=" + probeSecret)
				if err != nil {
					return "", err
				}
				resp.Body.Close()
				return "reached the metadata service", nil
			}, false, "the server may not reach address 169.254.169.254, refused as link-local"},
		{"an HTTP client's error is shown without its URL",
			func(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
				resp, err := env.HTTP.Get(untrusted.URL + "/v2/?signature=" + probeSecret)
				if err != nil {
					return "", err
				}
				resp.Body.Close()
				return "trusted an unknown certificate", nil
			}, false, `request to host "127.0.0.1" failed: certificate signed by an unknown authority`},
		{"a probe that ignores its context ends at the timeout",
			func(context.Context, *tether.Connection, tether.ProbeEnv) (string, error) {
				time.Sleep(3 * time.Second)
				return "too late", nil
			}, false, "the connection test did not finish within"},
		{"a panic is a failure",
			func(context.Context, *tether.Connection, tether.ProbeEnv) (string, error) { panic(probeSecret) },
			false, "the connection test failed unexpectedly"},
	}
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				// Only the probe that sleeps may reach the timeout, however
				// slow a loaded machine is with the others.
				timeout := 10 * time.Second
				if strings.Contains(tc.name, "timeout") {
					timeout = 300 * time.Millisecond
				}
				f := newProbeFixture(t, open, tc.probe, service.ProbeOptions{Timeout: timeout})
				id := fmt.Sprintf("reg-%d", i)
				c := docker(id, probeSecret64)
				c.Spec.URI = registry(t)
				if _, err := f.conns.Create(f.admin, "default", c); err != nil {
					t.Fatal(err)
				}
				before := f.get(t, id)
				res, err := f.probes.Test(as("user:user", ""), "default", id)
				if err != nil {
					t.Fatalf("Test: %v", err)
				}
				if res.OK != tc.ok || !strings.HasPrefix(res.Message, tc.prefix) {
					t.Errorf("result ok %v %q, want ok %v and a message starting %q", res.OK, res.Message, tc.ok, tc.prefix)
				}
				if want := (tether.ProbeResult{OK: res.OK, Message: res.Message, LatencyMS: res.LatencyMS,
					At: f.at, From: "server", Version: 1}); *res != want || res.LatencyMS < 0 {
					t.Errorf("result %+v, want %+v", *res, want)
				}
				wantNoProbeSecret(t, "message", res.Message)
				after := f.get(t, id)
				if d := cmp.Diff(res, after.Status.LastTest); d != "" {
					t.Errorf("status.lastTest (-result +stored):\n%s", d)
				}
				after.Status.LastTest = nil
				if d := cmp.Diff(before, after); d != "" {
					t.Errorf("the test changed the connection (-before +after):\n%s", d)
				}
				wantTestEvent(t, f, id, map[bool]string{true: tether.OutcomeSuccess, false: tether.OutcomeFailed}[tc.ok], res.Message)
			})
		}
	})
}

// wantNoProbeSecret fails t if s holds the connection's secret, in any form.
func wantNoProbeSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, probeSecret) || strings.Contains(s, probeSecret64) {
		t.Errorf("%s %q holds the secret", what, s)
	}
}

// wantTestEvent checks that the last connection test audited is of id,
// with outcome and a detail that starts with detail, and that no test
// event holds the secret.
func wantTestEvent(t *testing.T, f *probeFixture, id, outcome, detail string) {
	t.Helper()
	events := f.testEvents(t)
	if len(events) == 0 {
		t.Fatal("no connection test was audited")
	}
	e := events[len(events)-1]
	if e.Action != service.ActionTest || e.Namespace != "default" || e.Connection != id || e.Outcome != outcome ||
		!strings.HasPrefix(e.Detail, detail) {
		t.Errorf("audit event %+v, want %s of default/%s, outcome %s, detail starting %q", *e, service.ActionTest, id, outcome, detail)
	}
	for _, e := range events {
		wantNoProbeSecret(t, "audit detail", e.Detail)
	}
}

func TestProbeRefusals(t *testing.T) {
	tests := []struct {
		name    string
		ctx     context.Context
		id      string
		probe   probeFunc
		code    string
		message string
		outcome string // of the audit event; "" for none
	}{
		{"a viewer lacks the test permission", as("user:viewer", ""), "reg", registryProbe, tether.EFORBIDDEN,
			"user:viewer lacks permission connections.test in namespace default", tether.OutcomeDenied},
		{"a stranger cannot see the connection", as("user:stranger", ""), "reg", registryProbe, tether.ENOTFOUND,
			`connection "reg" not found`, tether.OutcomeDenied},
		{"a missing connection", as("user:user", ""), "missing", registryProbe, tether.ENOTFOUND,
			`connection "missing" not found`, tether.OutcomeFailed},
		{"a type without a test", as("user:user", ""), "reg", nil, tether.EINVALID,
			"type docker has no connection test", tether.OutcomeFailed},
	}
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := newProbeFixture(t, open, tc.probe, service.ProbeOptions{})
				res, err := f.probes.Test(tc.ctx, "default", tc.id)
				if res != nil || tether.ErrorCode(err) != tc.code || tether.ErrorMessage(err) != tc.message {
					t.Errorf("Test = %+v, %v; want %s %q", res, err, tc.code, tc.message)
				}
				wantTestEvent(t, f, tc.id, tc.outcome, "")
				if c := f.get(t, "reg"); c.Status.LastTest != nil {
					t.Errorf("a refused test stored a result: %+v", c.Status.LastTest)
				}
			})
		}
	})
}
