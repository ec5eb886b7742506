package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/service"
)

// passingProbe passes if it was given the secret as posted.
func passingProbe(_ context.Context, c *tether.Connection, _ tether.ProbeEnv) (string, error) {
	if c.Spec.Password.Reveal() != probeSecret64 {
		return "", tether.Errorf(tether.EUNAUTHORIZED, "the probe was not given the secret")
	}
	return "credential accepted", nil
}

func TestProbeResultOfAnOlderVersionIsNotKept(t *testing.T) {
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		var f *probeFixture
		probe := func(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
			changed := docker("reg", "")
			changed.Spec.Description = "changed while tested"
			if _, err := f.conns.Update(f.admin, "default", changed, tether.UpdateOptions{}); err != nil {
				return "", err
			}
			return passingProbe(ctx, c, env)
		}
		f = newProbeFixture(t, open, probe, service.ProbeOptions{})
		res, err := f.probes.Test(as("user:user", ""), "default", "reg")
		if err != nil || !res.OK || res.Version != 1 {
			t.Fatalf("Test = %+v, %v; want a passed test of version 1", res, err)
		}
		if c := f.get(t, "reg"); c.Status.Version != 2 || c.Status.LastTest != nil {
			t.Errorf("version %d, last test %+v; want version 2 without the result of version 1", c.Status.Version, c.Status.LastTest)
		}
	})
}

func TestProbeUpdateDropsTheLastTest(t *testing.T) {
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		f := newProbeFixture(t, open, passingProbe, service.ProbeOptions{})
		if _, err := f.probes.Test(as("user:user", ""), "default", "reg"); err != nil {
			t.Fatal(err)
		}
		if c := f.get(t, "reg"); c.Status.LastTest == nil || !c.Status.LastTest.OK {
			t.Fatalf("last test %+v, want the passed one", c.Status.LastTest)
		}
		if _, err := f.conns.Update(f.admin, "default", docker("reg", ""), tether.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if c := f.get(t, "reg"); c.Status.LastTest != nil {
			t.Errorf("last test %+v after an update, want none: it was of the previous version", c.Status.LastTest)
		}
	})
}

func TestProbeSpec(t *testing.T) {
	invalid := docker("new", probeSecret64)
	invalid.Spec.URI = ""
	elsewhere := docker("new", probeSecret64)
	elsewhere.Namespace = "other"
	tests := []struct {
		name    string
		subject string
		c       *tether.Connection
		code    string
		message string
		outcome string
	}{
		{"an editor tests an unsaved connection", "user:editor", docker("new", probeSecret64), "", "", tether.OutcomeSuccess},
		{"a user lacks the write permission", "user:user", docker("new", probeSecret64), tether.EFORBIDDEN,
			"user:user lacks permission connections.write in namespace default", tether.OutcomeDenied},
		{"a viewer lacks the test permission", "user:viewer", docker("new", probeSecret64), tether.EFORBIDDEN,
			"user:viewer lacks permission connections.test in namespace default", tether.OutcomeDenied},
		{"an invalid connection", "user:editor", invalid, tether.EINVALID, "", tether.OutcomeFailed},
		{"another namespace in the body", "user:editor", elsewhere, tether.EINVALID,
			`namespace in the body ("other") differs from the namespace addressed ("default")`, tether.OutcomeFailed},
	}
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := newProbeFixture(t, open, passingProbe, service.ProbeOptions{})
				res, err := f.probes.TestSpec(as(tc.subject, ""), "default", tc.c)
				if tether.ErrorCode(err) != tc.code || (tc.message != "" && tether.ErrorMessage(err) != tc.message) {
					t.Fatalf("TestSpec = %+v, %v; want %q %q", res, err, tc.code, tc.message)
				}
				if err == nil && (!res.OK || res.Version != 0 || res.Message != "credential accepted" || res.From != "server") {
					t.Errorf("result %+v, want a passed test of version 0", res)
				}
				detail := "unsaved connection: " // a denial's detail names the missing permission
				if tc.outcome == tether.OutcomeDenied {
					detail = tc.message
				}
				wantTestEvent(t, f, "new", tc.outcome, detail)
				if _, err := f.conns.Get(f.admin, "default", "new"); tether.ErrorCode(err) != tether.ENOTFOUND {
					t.Errorf("Get(new) after TestSpec: %v; nothing should be stored", err)
				}
				if c := f.get(t, "reg"); c.Status.LastTest != nil {
					t.Errorf("TestSpec stored a result: %+v", c.Status.LastTest)
				}
			})
		}
	})
}

func TestProbeLimiterFull(t *testing.T) {
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		entered, release := make(chan struct{}), make(chan struct{})
		probe := func(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
			if c.Spec.Description == "blocks" {
				close(entered)
				<-release
			}
			return passingProbe(ctx, c, env)
		}
		f := newProbeFixture(t, open, probe, service.ProbeOptions{Limiter: egress.NewLimiter(1), QueueWait: 50 * time.Millisecond})
		blocking := docker("blocking", probeSecret64)
		blocking.Spec.Description = "blocks"
		if _, err := f.conns.Create(f.admin, "default", blocking); err != nil {
			t.Fatal(err)
		}
		user := as("user:user", "")
		first := make(chan error, 1)
		go func() { _, err := f.probes.Test(user, "default", "blocking"); first <- err }()
		<-entered
		if _, err := f.probes.Test(user, "default", "reg"); tether.ErrorCode(err) != tether.ETHROTTLED {
			t.Errorf("Test while the limiter is full: %v, want %s", err, tether.ETHROTTLED)
		}
		if _, err := f.probes.TestSpec(as("user:editor", ""), "default", docker("new", probeSecret64)); tether.ErrorCode(err) != tether.ETHROTTLED {
			t.Errorf("TestSpec while the limiter is full: %v, want %s", err, tether.ETHROTTLED)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("the blocked test: %v", err)
		}
		if res, err := f.probes.Test(user, "default", "reg"); err != nil || !res.OK {
			t.Errorf("Test once the slot is free = %+v, %v", res, err)
		}
	})
}

func TestProbeResultOutlivesTheCallersDeadline(t *testing.T) {
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		probe := func(ctx context.Context, _ *tether.Connection, _ tether.ProbeEnv) (string, error) {
			<-ctx.Done() // a target that never answers
			return "", ctx.Err()
		}
		f := newProbeFixture(t, open, probe, service.ProbeOptions{})
		ctx, cancel := context.WithTimeout(as("user:user", ""), time.Second)
		defer cancel()
		res, err := f.probes.Test(ctx, "default", "reg")
		if err != nil || res.OK {
			t.Fatalf("Test = %+v, %v; want a failed test", res, err)
		}
		if c := f.get(t, "reg"); c.Status.LastTest == nil || *c.Status.LastTest != *res {
			t.Errorf("last test %+v, want %+v", c.Status.LastTest, res)
		}
		wantTestEvent(t, f, "reg", tether.OutcomeFailed, "the connection test did not finish within")
	})
}

func TestProbeSpecWithoutConnection(t *testing.T) {
	f := newProbeFixture(t, func(t *testing.T) tether.Store { return newFixture(t).store }, passingProbe, service.ProbeOptions{})
	if res, err := f.probes.TestSpec(as("user:editor", ""), "default", nil); tether.ErrorCode(err) != tether.EINVALID {
		t.Errorf("TestSpec(nil) = %+v, %v; want %s", res, err, tether.EINVALID)
	}
}
