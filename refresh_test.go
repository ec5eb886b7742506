package tether_test

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// TestRefreshRule checks the refresh rule of delivered credentials, and
// that a holder asking at its refresh point is never served again the
// credential it holds.
func TestRefreshRule(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		lifetime time.Duration // from t0, when it was issued
		received time.Duration // after t0
		refresh  time.Duration // after t0
	}{
		{name: "ECR token, received when issued", lifetime: 12 * time.Hour, received: 0, refresh: 8 * time.Hour},
		{name: "STS session, received from the cache", lifetime: time.Hour, received: 30 * time.Minute, refresh: 50 * time.Minute},
		{name: "short-lived", lifetime: 30 * time.Second, received: 0, refresh: 20 * time.Second},
		{name: "expired", lifetime: time.Minute, received: 2 * time.Minute, refresh: 2 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := &tether.Expiry{At: t0.Add(tc.lifetime)}
			at := e.RefreshAt(t0.Add(tc.received))
			if want := t0.Add(tc.refresh); !at.Equal(want) {
				t.Errorf("RefreshAt = %v after issue, want %v", at.Sub(t0), tc.refresh)
			}
			if e.Reusable(t0, at) && tc.lifetime > 0 {
				t.Errorf("the server would still reuse the credential at the holder's refresh point")
			}
		})
	}
}

// TestReusable checks that a credential is reused while more than half of
// its lifetime remains.
func TestReusable(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &tether.Expiry{At: t0.Add(time.Hour)}
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{{0, true}, {29 * time.Minute, true}, {30 * time.Minute, false}, {2 * time.Hour, false}} {
		if got := e.Reusable(t0, t0.Add(tc.after)); got != tc.want {
			t.Errorf("Reusable %v after issue = %v, want %v", tc.after, got, tc.want)
		}
	}
}
