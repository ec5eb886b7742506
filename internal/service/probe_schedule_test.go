package service_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
)

func TestParseProbeSchedule(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   service.ProbeSchedule
		err    string // in the message of a refusal
	}{
		{"none", nil, service.ProbeSchedule{Namespaces: map[string]time.Duration{}, Connections: map[string]time.Duration{}}, ""},
		{"every level", []string{"15m", "team-a=1h", "team-a/data=0", "team-b/reg=90s"}, service.ProbeSchedule{Default: 15 * time.Minute,
			Namespaces:  map[string]time.Duration{"team-a": time.Hour},
			Connections: map[string]time.Duration{"team-a/data": 0, "team-b/reg": 90 * time.Second}}, ""},
		{"not a duration", []string{"often"}, service.ProbeSchedule{}, `--probe-interval "often": want DURATION`},
		{"negative", []string{"team-a=-1m"}, service.ProbeSchedule{}, "want DURATION"},
		{"too short", []string{"500ms"}, service.ProbeSchedule{}, "at least 1s"},
		{"default twice", []string{"1m", "2m"}, service.ProbeSchedule{}, "the default interval is given twice"},
		{"namespace twice", []string{"a=1m", "a=2m"}, service.ProbeSchedule{}, "the interval of a is given twice"},
		{"bad namespace", []string{"Team_A=1m"}, service.ProbeSchedule{}, `"Team_A" is not a namespace or namespace/id`},
		{"bad id", []string{"a/b/c=1m"}, service.ProbeSchedule{}, "is not a namespace or namespace/id"},
		{"empty target", []string{"=1m"}, service.ProbeSchedule{}, "is not a namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := service.ParseProbeSchedule(tc.values)
			if tc.err != "" {
				if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(tether.ErrorMessage(err), tc.err) {
					t.Errorf("error %v, want EINVALID holding %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("schedule (-want +got):\n%s", d)
			}
		})
	}
}

func TestProbeScheduleInterval(t *testing.T) {
	s, err := service.ParseProbeSchedule([]string{"15m", "team-a=1h", "team-a/data=0", "team-b/reg=90s", "team-c=0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns, id string
		want   time.Duration
	}{{"default", "x", 15 * time.Minute}, {"team-a", "x", time.Hour}, {"team-a", "data", 0},
		{"team-b", "reg", 90 * time.Second}, {"team-b", "x", 15 * time.Minute}, {"team-c", "x", 0}} {
		if got := s.Interval(tc.ns, tc.id); got != tc.want {
			t.Errorf("Interval(%s, %s) = %v, want %v", tc.ns, tc.id, got, tc.want)
		}
	}
	if got := s.Shortest(); got != 90*time.Second {
		t.Errorf("Shortest = %v, want 90s", got)
	}
}

// TestProbeScheduleOnMinIO runs the periodic tests every second against
// the test MinIO: the working connection's result appears (ok, audited in
// the scheduler's name), a connection turned off is never tested, and the
// health report turns to failed once the key is changed to a wrong one.
func TestProbeScheduleOnMinIO(t *testing.T) {
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		st := open(t)
		kr, err := seal.Create(filepath.Join(t.TempDir(), "key"))
		if err != nil {
			t.Fatal(err)
		}
		types, rbac := conntype.New(), service.NewRBAC(st)
		audit := service.NewAudit(st, rbac, nil)
		conns := service.NewConnections(st, kr, types, rbac, audit)
		admin := as(tether.BootstrapSubject, "")
		for _, id := range []string{"minio", "off"} {
			if _, err := conns.Create(admin, "default", m.Conn(id, bucket, m.SecretKey)); err != nil {
				t.Fatal(err)
			}
		}
		probes := service.NewProbes(st, kr, types, rbac, audit, service.ProbeOptions{
			Policy: egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})})
		sched, err := service.ParseProbeSchedule([]string{"1s", "default/off=0"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); probes.RunSchedule(ctx, sched, service.SchedulerOptions{}) }()
		defer func() { cancel(); <-done }()
		health := service.NewHealth(st, rbac, service.HealthOptions{TTL: time.Nanosecond})

		first := waitTested(t, health, "minio", func(r *tether.ProbeResult) bool { return r.OK })
		if !strings.Contains(first.Message, "listed s3://"+bucket) || !strings.HasPrefix(first.From, "server") {
			t.Errorf("periodic result %+v", first)
		}
		events, err := st.ListAudit(t.Context(), tether.AuditFilter{Actions: []string{service.ActionTest}, Connection: "minio"})
		if err != nil || len(events) == 0 || events[0].Subject != service.ProbeSchedulerSubject || events[0].Outcome != tether.OutcomeSuccess {
			t.Errorf("audit of the periodic test: %v, %v; want a success of %s", events, err, service.ProbeSchedulerSubject)
		}
		wrong := m.Conn("minio", bucket, m.SecretKey+"x")
		if _, err := conns.Update(admin, "default", wrong, tether.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		failed := waitTested(t, health, "minio", func(r *tether.ProbeResult) bool { return !r.OK && r.Version == 2 })
		if !strings.Contains(failed.Message, "SignatureDoesNotMatch") {
			t.Errorf("failed result %+v", failed)
		}
		if c, err := conns.Get(admin, "default", "off"); err != nil || c.Status.LastTest != nil {
			t.Errorf("the connection turned off was tested: %+v, %v", c, err)
		}
	})
}

// waitTested waits up to 20s for the health report to show a last test of
// default/id that want accepts, and returns it.
func waitTested(t *testing.T, h *service.Health, id string, want func(*tether.ProbeResult) bool) *tether.ProbeResult {
	t.Helper()
	admin := as(tether.BootstrapSubject, "")
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := h.Report(admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Tested {
			if c.Namespace == "default" && c.ID == id && want(c.LastTest) {
				return c.LastTest
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such periodic test of %s within 20s; report %+v", id, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
