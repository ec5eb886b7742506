package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestFailedAuthenticationIsThrottledPerAddress: failures from an address
// spend its budget, and past it they get 429 with Retry-After; but a valid
// token from that same address is served every time, interleaved with the
// failures, and another address's failures are not throttled.
func TestFailedAuthenticationIsThrottledPerAddress(t *testing.T) {
	s := newStack(t)
	guesser := fromAddress("127.0.0.4")
	var served, throttled int
	for i := 0; i < 24; i++ {
		bad := s.doFrom(guesser, []string{"tether_guess", "", "a.b.c"}[i%3], "GET", "/api/v1/connection", "")
		switch {
		case i < 10 && bad.status != http.StatusUnauthorized:
			t.Errorf("failure %d within the budget: %d %s, want 401", i+1, bad.status, bad.body)
		case i >= 10 && bad.status != http.StatusTooManyRequests:
			t.Errorf("failure %d past the budget: %d %s, want 429", i+1, bad.status, bad.body)
		case bad.status == http.StatusTooManyRequests:
			throttled++
			if bad.header.Get("Retry-After") == "" || !strings.Contains(bad.message(t), "127.0.0.4") {
				t.Errorf("429 without Retry-After or without the address: %v %s", bad.header, bad.body)
			}
		}
		if good := s.doFrom(guesser, s.token, "GET", "/api/v1/connection", ""); good.status == http.StatusOK {
			served++
		} else {
			t.Errorf("valid token after failure %d: %d %s, want 200", i+1, good.status, good.body)
		}
	}
	if served != 24 || throttled != 14 {
		t.Errorf("served %d of 24 valid requests, throttled %d of 14 failures past the budget", served, throttled)
	}
	other := fromAddress("127.0.0.5")
	mustStatus(t, s.doFrom(other, "tether_guess", "GET", "/api/v1/connection", ""), http.StatusUnauthorized)
}
