package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/service"
)

// TestClientConnectionTests: the Go client's Test and TestSpec run tests on
// the server and read their results; a test that ran and failed is a
// result, what kept it from running an error of its code (ETHROTTLED when
// every slot is taken).
func TestClientConnectionTests(t *testing.T) {
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	s := probeStack(t, service.ProbeOptions{Limiter: egress.NewLimiter(1), Timeout: 3 * time.Second, QueueWait: 100 * time.Millisecond})
	cl, err := client.NewClient(s.srv.URL, func() (string, error) { return s.token, nil }, s.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for id, key := range map[string]string{"good": m.SecretKey, "badkey": "nope"} {
		if _, err := cl.Create(t.Context(), "default", m.Conn(id, bucket, key)); err != nil {
			t.Fatal(err)
		}
	}
	stuck := &tether.Connection{ID: "stuck", Spec: tether.ConnectionSpec{Type: "docker",
		URI: stalledTarget(t) + "/team/model", Username: "u", Password: "cGFzcw=="}}
	tests := []struct {
		name string
		call func() (*tether.ProbeResult, error)
		ok   bool
		code string
	}{
		{"Test", func() (*tether.ProbeResult, error) { return cl.Test(t.Context(), "default", "good") }, true, ""},
		{"Test, wrong key", func() (*tether.ProbeResult, error) { return cl.Test(t.Context(), "", "badkey") }, false, ""},
		{"Test, unknown", func() (*tether.ProbeResult, error) { return cl.Test(t.Context(), "default", "nope") }, false, tether.ENOTFOUND},
		{"TestSpec", func() (*tether.ProbeResult, error) {
			return cl.TestSpec(t.Context(), "default", m.Conn("unsaved", bucket, m.SecretKey))
		}, true, ""},
		{"TestSpec, invalid", func() (*tether.ProbeResult, error) {
			return cl.TestSpec(t.Context(), "default", &tether.Connection{ID: "x", Spec: tether.ConnectionSpec{Type: "s3"}})
		}, false, tether.EINVALID},
		{"TestSpec, every slot taken", func() (*tether.ProbeResult, error) {
			go func() { _, _ = cl.TestSpec(t.Context(), "default", stuck) }()
			time.Sleep(500 * time.Millisecond) // the stuck test holds the one slot
			return cl.TestSpec(t.Context(), "default", m.Conn("unsaved", bucket, m.SecretKey))
		}, false, tether.ETHROTTLED},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.call()
			if tether.ErrorCode(err) != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if err == nil && (res.OK != tc.ok || res.Message == "" || !strings.HasPrefix(res.From, "server")) {
				t.Errorf("result %+v, want ok %v with a message, from the server", res, tc.ok)
			}
		})
	}
	c, err := cl.Get(t.Context(), "default", "badkey")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status.LastTest == nil || c.Status.LastTest.OK {
		t.Errorf("Get badkey: status.lastTest %s, want a failed result", fmt.Sprint(c.Status.LastTest))
	}
}
