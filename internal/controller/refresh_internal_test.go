package controller

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// TestRequeueAfter checks when a synced sync is delivered again: at its
// resync interval, or sooner at the refresh point of its short-lived
// credential, never sooner than minRefresh.
func TestRequeueAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		resync time.Duration
		expiry *tether.Expiry // received at now
		want   time.Duration
	}{
		{"no expiry", time.Hour, nil, time.Hour},
		{"ECR token of 12 hours", 10 * time.Hour, &tether.Expiry{At: now.Add(12 * time.Hour)}, 8 * time.Hour},
		{"resync sooner than the refresh", 10 * time.Minute, &tether.Expiry{At: now.Add(12 * time.Hour)}, 10 * time.Minute},
		{"STS session of an hour", time.Hour, &tether.Expiry{At: now.Add(time.Hour)}, 40 * time.Minute},
		{"seconds left", time.Hour, &tether.Expiry{At: now.Add(900 * time.Millisecond)}, minRefresh},
		{"expired", time.Hour, &tether.Expiry{At: now.Add(-time.Minute)}, minRefresh},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &tether.Connection{Status: tether.ConnectionStatus{Expiry: tc.expiry}}
			if got := requeueAfter(tc.resync, refreshOf(c, now), now); got != tc.want {
				t.Errorf("requeueAfter = %v, want %v", got, tc.want)
			}
		})
	}
}
